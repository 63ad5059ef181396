// SPDX-License-Identifier: MIT
// Tests of device spec parsing.
#include "hal/spec.h"

#include <gtest/gtest.h>

namespace snapstage::hal {
namespace {

TEST(DeviceSpec, ParsesBackendArgumentAndOptions) {
    struct Case {
        const char* text;
        const char* backend;
        const char* argument;
        size_t options;
    } cases[] = {
        {"pattern", "pattern", "", 0},
        {"pattern,width=4056,height=3040", "pattern", "", 2},
        {"file:photo.jpg", "file", "photo.jpg", 0},
        {"file:frames/", "file", "frames/", 0},
        {"v4l2:/dev/video0,format=yuyv,width=1920,height=1080", "v4l2", "/dev/video0", 3},
        {"fbdev:/dev/fb0", "fbdev", "/dev/fb0", 0},
    };
    for (const auto& c : cases) {
        auto spec = DeviceSpec::parse(c.text);
        ASSERT_TRUE(spec.ok()) << c.text << ": " << spec.error().message();
        EXPECT_EQ(spec->backend, c.backend) << c.text;
        EXPECT_EQ(spec->argument, c.argument) << c.text;
        EXPECT_EQ(spec->options.size(), c.options) << c.text;
        EXPECT_EQ(spec->toString(), c.text);
    }
}

TEST(DeviceSpec, RejectsMalformedText) {
    for (const char* text : {"", ":x", "pattern,width", "pattern,=3", "bad name"}) {
        auto spec = DeviceSpec::parse(text);
        EXPECT_FALSE(spec.ok()) << text;
        if (!spec.ok()) {
            EXPECT_EQ(spec.error().code(), Errc::Usage);
        }
    }
}

TEST(DeviceSpec, NumericOptionsAreRangeChecked) {
    auto spec = DeviceSpec::parse("pattern,width=640,height=0,x=abc");
    ASSERT_TRUE(spec.ok());
    EXPECT_EQ(*spec->uintOption("width", 1), 640u);
    EXPECT_EQ(*spec->uintOption("absent", 7), 7u);
    EXPECT_FALSE(spec->uintOption("height", 1).ok());
    EXPECT_FALSE(spec->uintOption("x", 1).ok());
    auto known = spec->checkKnown({"width", "height"});
    ASSERT_FALSE(known.ok());
    EXPECT_NE(std::string(known.error().message()).find("'x'"), std::string::npos);
}

}  // namespace
}  // namespace snapstage::hal
