// SPDX-License-Identifier: MIT
// Tests of the catalog check: a job's tool and parameters are checked before any upload.
#include "firmware/cloud/catalog.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace snapstage::cloud {
namespace {

class CatalogTest : public ::testing::Test {
protected:
    Status resolve(Vendor v, std::string_view tool, std::initializer_list<ParamText> params,
                   std::initializer_list<std::string_view> live = {}) {
        return resolveJob(v, tool, std::span(params.begin(), params.size()),
                          std::span(live.begin(), live.size()), *req_);
    }
    std::unique_ptr<JobRequest> req_ = std::make_unique<JobRequest>();
};

TEST_F(CatalogTest, ShortNamesBecomeTheServicesSlugs) {
    ASSERT_TRUE(resolve(Vendor::AiHomeDesignV3, "tool-virtual-staging",
                        {{"space", "living-room"},
                         {"style", "item-modern-widget-style-tool-virtual-staging"}})
                    .ok());
    ASSERT_EQ(req_->paramCount, 2u);
    EXPECT_EQ(req_->params[0].key.view(), "widget-space-tool-virtual-staging");
    EXPECT_EQ(req_->params[0].value.view(), "item-living-room-widget-space-tool-virtual-staging");
    EXPECT_EQ(req_->params[1].value.view(), "item-modern-widget-style-tool-virtual-staging");
}

TEST_F(CatalogTest, ATypoFailsWithTheValidNames) {
    Status tool = resolve(Vendor::AiHomeDesignV3, "tool-virtual-stagin", {});
    ASSERT_FALSE(tool.ok());
    EXPECT_EQ(tool.error().code(), Errc::Usage);
    EXPECT_NE(std::string(tool.error().message()).find("tool-day-to-dusk"), std::string::npos);
    Status item = resolve(Vendor::AiHomeDesignV3, "tool-virtual-staging",
                          {{"space", "attic"}, {"style", "modern"}});
    ASSERT_FALSE(item.ok());
    EXPECT_NE(std::string(item.error().message()).find("living-room"), std::string::npos);
    Status widget = resolve(Vendor::AiHomeDesignV3, "tool-item-removal", {{"style", "modern"}});
    ASSERT_FALSE(widget.ok());
    EXPECT_NE(std::string(widget.error().message()).find("(none)"), std::string::npos);
}

TEST_F(CatalogTest, RequiredAndSingleSelectWidgetsAreEnforced) {
    Status missing =
        resolve(Vendor::AiHomeDesignV3, "tool-virtual-staging", {{"space", "kitchen"}});
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(std::string(missing.error().message()).find("needs a style"), std::string::npos);
    EXPECT_FALSE(resolve(Vendor::AiHomeDesignV3, "tool-virtual-staging",
                         {{"space", "kitchen"}, {"space", "bedroom"}, {"style", "modern"}})
                     .ok());
    EXPECT_TRUE(resolve(Vendor::AiHomeDesignV3, "tool-day-to-dusk",
                        {{"day-to-dusk-options", "shadow-removal"},
                         {"day-to-dusk-options", "lawn-touch-up"}})
                    .ok());
}

TEST_F(CatalogTest, MaterialChangesNeedNoMaterialAndUnavailableToolsAreRefused) {
    EXPECT_TRUE(resolve(Vendor::AiHomeDesignV3, "tool-floor-change", {}).ok());
    EXPECT_TRUE(resolve(Vendor::AiHomeDesignV3, "tool-wall-change", {}).ok());
    EXPECT_FALSE(resolve(Vendor::AiHomeDesignV3, "tool-sky-change", {}).ok());
    EXPECT_FALSE(resolve(Vendor::AiHomeDesignV3, "tool-furniture-restyle", {}).ok());
    // The live list wins over the built-in table.
    EXPECT_FALSE(
        resolve(Vendor::AiHomeDesignV3, "tool-item-removal", {}, {"tool-virtual-staging"}).ok());
}

TEST_F(CatalogTest, AutoenhanceSettingsAreChecked) {
    EXPECT_TRUE(
        resolve(Vendor::Autoenhance, "", {{"enhance_type", "warm"}, {"privacy", "true"}}).ok());
    Status bad = resolve(Vendor::Autoenhance, "", {{"enhance_type", "hot"}});
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(std::string(bad.error().message()).find("neutral"), std::string::npos);
    EXPECT_FALSE(resolve(Vendor::Autoenhance, "", {{"sharpness", "9"}}).ok());
}

TEST_F(CatalogTest, V1WidgetsAreFoundByIdOrTitleAndRequiredOnesEnforced) {
    auto doc = json::Document::parse(
        R"([{"id":"w1","title":"Style","is_optional":false,"items":[{"id":"i1","title":"Modern"}]},
            {"id":"w2","title":"Color","is_optional":true,"items":[{"id":"i2","title":"Warm"}]}])");
    ASSERT_TRUE(doc.ok());
    ASSERT_TRUE(resolve(Vendor::AiHomeDesignV1, "service-ai-virtual-staging",
                        {{"space_name", "space-kitchen"}, {"style", "modern"}})
                    .ok());
    ASSERT_TRUE(checkV1Widgets(doc->root(), *req_).ok());
    EXPECT_EQ(req_->params[1].key.view(), "w1");
    EXPECT_EQ(req_->params[1].value.view(), "i1");
    ASSERT_TRUE(resolve(Vendor::AiHomeDesignV1, "service-ai-virtual-staging", {{"w2", "i2"}}).ok());
    Status missing = checkV1Widgets(doc->root(), *req_);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(std::string(missing.error().message()).find("needs a Style"), std::string::npos);
    ASSERT_TRUE(
        resolve(Vendor::AiHomeDesignV1, "service-ai-virtual-staging", {{"style", "gothic"}}).ok());
    Status bad = checkV1Widgets(doc->root(), *req_);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(std::string(bad.error().message()).find("Modern (i1)"), std::string::npos);
}

TEST(V3SlotsTest, EachToolsSlotsForPrimarySecondaryAndMask) {
    V3Slots s;
    ASSERT_TRUE(v3SlotsFor("tool-item-removal-mask", s).ok());
    EXPECT_EQ(s.primary.view(), "tool-item-removal-mask-input-image");
    EXPECT_EQ(s.mask.view(), "tool-item-removal-mask-input-mask");
    ASSERT_TRUE(v3SlotsFor("tool-darkness", s).ok());
    EXPECT_EQ(s.primary.view(), "tool-darkness-input-image-before");
    EXPECT_EQ(s.secondary.view(), "tool-darkness-input-image-after");
}

}  // namespace
}  // namespace snapstage::cloud
