// SPDX-License-Identifier: MIT
// Tests of the HTTP status to error mapping and the reading of wrapped and bare answers.
#include "firmware/cloud/api_client.h"

#include <gtest/gtest.h>

#include <string>

namespace snapstage::cloud {
namespace {

struct StatusCase {
    int status;
    Errc code;
    bool transient;
};

TEST(StatusErrorTest, MapsEachStatusToItsErrorAndRetryability) {
    const StatusCase cases[] = {
        {400, Errc::ApiRejected, false}, {401, Errc::ApiRejected, false},
        {403, Errc::ApiRejected, false}, {404, Errc::ApiRejected, false},
        {408, Errc::ApiServer, true},    {413, Errc::ApiRejected, false},
        {422, Errc::ApiRejected, false}, {429, Errc::ApiRateLimited, true},
        {500, Errc::ApiServer, true},    {503, Errc::ApiServer, true},
    };
    for (const auto& c : cases) {
        Error e = statusError(ErrorShape::AiHomeDesign, "create order", c.status, "", -1);
        EXPECT_EQ(e.code(), c.code) << c.status;
        EXPECT_EQ(isTransient(e), c.transient) << c.status;
        EXPECT_EQ(std::string(e.message()).rfind("create order: ", 0), 0u) << e.message();
    }
}

TEST(StatusErrorTest, QuotesEachVendorsErrorShapeAndKeepsRetryAfter) {
    Error aihd =
        statusError(ErrorShape::AiHomeDesign, "start processing", 422,
                    R"({"error":"item not in widget","key":"api_error_invalid_item"})", -1);
    EXPECT_NE(std::string(aihd.message()).find("item not in widget (api_error_invalid_item)"),
              std::string::npos);
    Error ae = statusError(ErrorShape::Autoenhance, "create image", 429,
                           R"({"message":"slow down","detail":"later"})", 7);
    EXPECT_EQ(ae.code(), Errc::ApiRateLimited);
    EXPECT_EQ(retryAfterSeconds(ae), 7);
    EXPECT_NE(std::string(ae.message()).find("slow down (later)"), std::string::npos);
    Error s3 = statusError(ErrorShape::Autoenhance, "upload the photo", 403,
                           "<Error><Code>SignatureDoesNotMatch</Code><Message>bad\nsig</Message>"
                           "</Error>",
                           -1);
    EXPECT_NE(std::string(s3.message()).find("SignatureDoesNotMatch: bad sig"), std::string::npos);
}

TEST(StatusErrorTest, AKeyRefusalSaysWhereTheKeyComesFrom) {
    Error e = statusError(ErrorShape::AiHomeDesign, "create project", 401,
                          R"({"error":"unauthorized","key":"api_error_unauthorized"})", -1);
    EXPECT_NE(std::string(e.message()).find("service.api_key_file"), std::string::npos);
}

TEST(UnwrapTest, ReadsWrappedAndBareBodiesAlike) {
    auto wrapped = json::Document::parse(R"({"data":{"order_id":"a"},"message":"ok"})");
    auto bare = json::Document::parse(R"({"order_id":"a"})");
    auto list = json::Document::parse(R"({"data":[1,2],"pagination":{}})");
    auto scalar = json::Document::parse(R"({"data":"text"})");
    ASSERT_TRUE(wrapped.ok() && bare.ok() && list.ok() && scalar.ok());
    EXPECT_EQ(unwrapData(wrapped->root()).get("order_id").asString(), "a");
    EXPECT_EQ(unwrapData(bare->root()).get("order_id").asString(), "a");
    EXPECT_EQ(unwrapData(list->root()).size(), 2);
    // A "data" member that is not an object or list is the body's own field.
    EXPECT_TRUE(unwrapData(scalar->root()).isObject());
}

}  // namespace
}  // namespace snapstage::cloud
