// SPDX-License-Identifier: MIT
// Test rig for the V4L2 camera: a fake device and a camera wired to it, plus small helpers.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <utility>

#include "hal/linux/camera_v4l2.h"
#include "tests/fakes/fake_v4l2.h"

namespace snapstage::hal {

using fakes::FakeFormat;
using fakes::FakeV4l2Config;
using fakes::FakeV4l2Device;

inline DeviceSpec parseSpec(const char* text) {
    auto spec = DeviceSpec::parse(text);
    EXPECT_TRUE(spec.ok()) << text;
    return spec.ok() ? *spec : DeviceSpec{};
}

inline FakeFormat fakeFormat(uint32_t fourcc, uint32_t maxWidth = 1920, uint32_t maxHeight = 1080) {
    FakeFormat f;
    f.fourcc = fourcc;
    f.maxWidth = maxWidth;
    f.maxHeight = maxHeight;
    return f;
}

// A device offering exactly these fourccs, in this order.
inline FakeV4l2Config offering(std::initializer_list<uint32_t> fourccs) {
    FakeV4l2Config config;
    config.formats.clear();
    for (uint32_t f : fourccs)
        config.formats.push_back(fakeFormat(f));
    return config;
}

// Declared in this order so the camera is destroyed before the device it borrows.
struct V4l2Rig {
    FakeV4l2Device device;
    V4l2Camera camera;

    explicit V4l2Rig(FakeV4l2Config config = {}, const char* spec = "v4l2:/dev/video0")
        : device(std::move(config)), camera(parseSpec(spec), device) {}

    // init() and start(), reporting the first failure.
    ::testing::AssertionResult started() {
        Status s = camera.init();
        if (s.ok()) s = camera.start();
        if (s.ok()) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << s.error().message();
    }

    // The device produces one frame and the camera captures it. A frame the device cannot
    // deliver (no buffer queued) shows as the capture's timeout.
    Result<FrameView> nextFrame() {
        device.produceFrames(1);
        return camera.capture(100);
    }
};

// The error has `code` and its message contains every one of `needles`.
inline ::testing::AssertionResult failsWith(const Error& e, Errc code,
                                            std::initializer_list<const char*> needles) {
    if (e.code() != code)
        return ::testing::AssertionFailure() << "code " << to_string(e.code()) << ", wanted "
                                             << to_string(code) << ": " << e.message();
    for (const char* n : needles)
        if (!std::strstr(e.message(), n))
            return ::testing::AssertionFailure() << "'" << e.message() << "' lacks '" << n << "'";
    return ::testing::AssertionSuccess();
}

}  // namespace snapstage::hal
