// SPDX-License-Identifier: MIT
// Tests of the DRM display without a screen: its options, the mode chosen from a connector's
// list, and (where libdrm is built in) the factory's and init()'s messages for devices that are
// missing or are not display cards.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "hal/display.h"
#include "hal/linux/drm_mode.h"

namespace snapstage::hal {
namespace {

DrmRequest request(const char* text) {
    auto s = DeviceSpec::parse(text);
    EXPECT_TRUE(s.ok()) << text;
    auto r = parseDrmRequest(*s);
    EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : DrmRequest{};
}

std::string refusal(const char* text) {
    auto s = DeviceSpec::parse(text);
    EXPECT_TRUE(s.ok()) << text;
    auto r = parseDrmRequest(*s);
    EXPECT_FALSE(r.ok()) << text;
    if (r.ok()) return "";
    EXPECT_EQ(r.error().code(), Errc::InvalidArgument);
    return r.error().message();
}

TEST(DrmRequestTest, ReadsTheSpec) {
    DrmRequest plain = request("drm");
    EXPECT_EQ(plain.device, "");
    EXPECT_EQ(plain.connector, "");
    EXPECT_EQ(plain.width, 0u);
    EXPECT_EQ(plain.refreshHz, 0u);
    EXPECT_EQ(plain.format, DisplayFormat::Xrgb8888);

    DrmRequest full = request(
        "drm:/dev/dri/card1,connector=HDMI-A-1,width=1280,height=720,refresh=50,format=rgb565");
    EXPECT_EQ(full.device, "/dev/dri/card1");
    EXPECT_EQ(full.connector, "HDMI-A-1");
    EXPECT_EQ(full.width, 1280u);
    EXPECT_EQ(full.height, 720u);
    EXPECT_EQ(full.refreshHz, 50u);
    EXPECT_EQ(full.format, DisplayFormat::Rgb565);
}

TEST(DrmRequestTest, RefusesWhatCannotBeMet) {
    EXPECT_NE(refusal("drm,width=1280").find("give both width and height"), std::string::npos);
    EXPECT_NE(refusal("drm,format=nv12").find("format 'nv12'"), std::string::npos);
    EXPECT_NE(refusal("drm,refresh=0").find("refresh=0 must be a whole number"), std::string::npos);
    EXPECT_NE(refusal("drm,rotate=90").find("rotate"), std::string::npos);
}

// A monitor's list as the kernel gives it: preferred first, then the rest, largest first.
const std::vector<DrmModeCandidate> kMonitor = {
    {1920, 1080, 60, true, false}, {1920, 1080, 50, false, false},
    {1920, 1080, 30, false, true},  // interlaced
    {1280, 720, 50, false, false}, {1280, 720, 60, false, false},
    {1024, 768, 60, false, false}, {1024, 768, 75, false, false},
};

size_t choose(const std::vector<DrmModeCandidate>& modes, const char* spec) {
    auto i = chooseDrmMode(modes, request(spec), "HDMI-A-1");
    EXPECT_TRUE(i.ok()) << spec << ": " << (i.ok() ? "" : i.error().message());
    return i.ok() ? *i : modes.size();
}

TEST(DrmModeTest, ChoosesThePreferredModeUnlessToldOtherwise) {
    EXPECT_EQ(choose(kMonitor, "drm"), 0u);
    // Preferred not listed first (some drivers): still the preferred one.
    std::vector<DrmModeCandidate> late = {{1024, 768, 60, false, false},
                                          {1920, 1080, 60, true, false}};
    EXPECT_EQ(choose(late, "drm"), 1u);
    // No preferred mode at all: the first listed.
    std::vector<DrmModeCandidate> none = {{800, 600, 60, false, false},
                                          {640, 480, 60, false, false}};
    EXPECT_EQ(choose(none, "drm"), 0u);
}

TEST(DrmModeTest, ASizeTakesTheHighestRefreshOfThatSizeOrTheOneAsked) {
    EXPECT_EQ(choose(kMonitor, "drm,width=1280,height=720"), 4u);
    EXPECT_EQ(choose(kMonitor, "drm,width=1280,height=720,refresh=50"), 3u);
    EXPECT_EQ(choose(kMonitor, "drm,width=1024,height=768"), 6u);
    EXPECT_EQ(choose(kMonitor, "drm,width=1920,height=1080"), 0u);  // preferred beats refresh
    EXPECT_EQ(choose(kMonitor, "drm,refresh=50"), 1u);              // first at 50 Hz
}

TEST(DrmModeTest, NeverAnInterlacedModeAndSaysWhatThereIs) {
    auto i = chooseDrmMode(kMonitor, request("drm,width=1920,height=1080,refresh=30"), "HDMI-A-1");
    ASSERT_FALSE(i.ok());
    EXPECT_EQ(i.error().code(), Errc::DisplayOpen);
    EXPECT_STREQ(i.error().message(),
                 "HDMI-A-1 has no 1920x1080@30 mode (it has: 1920x1080@60, 1920x1080@50, "
                 "1280x720@50, 1280x720@60, 1024x768@60, 1024x768@75): pick one of those with "
                 "width, height and refresh");
    auto none = chooseDrmMode({}, request("drm"), "Virtual-1");
    ASSERT_FALSE(none.ok());
    EXPECT_NE(std::string(none.error().message()).find("no usable mode"), std::string::npos);
}

TEST(DrmModeTest, ALongListIsCutShort) {
    std::vector<DrmModeCandidate> many;
    for (uint32_t w = 4000; w > 400; w -= 40)
        many.push_back({w, w / 2, 60, false, false});
    auto i = chooseDrmMode(many, request("drm,width=333,height=222"), "DP-1");
    ASSERT_FALSE(i.ok());
    std::string message = i.error().message();
    EXPECT_NE(message.find(", ...)"), std::string::npos) << message;
    EXPECT_LT(message.size(), Error::kMessageCapacity - 1);
}

TEST(DrmDisplayTest, TheFactorySaysWhetherDrmIsBuilt) {
    auto s = DeviceSpec::parse("drm:/dev/dri/card99");
    ASSERT_TRUE(s.ok());
    auto display = makeDisplay(*s);
    const bool built = std::string_view(displayLibraries()).starts_with("libdrm ");
    EXPECT_EQ(std::string_view(displayBackends()).find("drm") != std::string_view::npos, built);
    if (!built) {
        ASSERT_FALSE(display.ok());
        EXPECT_NE(std::string(display.error().message()).find("left out of this build"),
                  std::string::npos);
        return;
    }
    ASSERT_TRUE(display.ok());
    Status st = (*display)->init();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::DisplayOpen);
    EXPECT_NE(std::string(st.error().message()).find("no display device /dev/dri/card99"),
              std::string::npos)
        << st.error().message();
    auto option = makeDisplay(*DeviceSpec::parse("drm,colour=red"));
    ASSERT_FALSE(option.ok());
    EXPECT_NE(std::string(option.error().message()).find("connector,width,height,refresh,format"),
              std::string::npos);
}

TEST(DrmDisplayTest, ADeviceThatIsNotADisplayCardIsNamed) {
    if (!std::string_view(displayLibraries()).starts_with("libdrm "))
        GTEST_SKIP() << "the drm display is not built";
    auto display = makeDisplay(*DeviceSpec::parse("drm:/dev/null"));
    ASSERT_TRUE(display.ok());
    Status st = (*display)->init();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::DisplayOpen);
    EXPECT_NE(std::string(st.error().message()).find("/dev/null cannot drive a screen"),
              std::string::npos)
        << st.error().message();
    auto frame = (*display)->frame();
    EXPECT_FALSE(frame.ok());  // nothing to draw into after a failed init
}

}  // namespace
}  // namespace snapstage::hal
