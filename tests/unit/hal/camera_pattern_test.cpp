// SPDX-License-Identifier: MIT
// Tests of the pattern camera.
#include "hal/sim/camera_pattern.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "hal/camera.h"

namespace snapstage::hal {
namespace {

std::unique_ptr<Camera> started(const char* text) {
    auto spec = DeviceSpec::parse(text);
    EXPECT_TRUE(spec.ok());
    auto cam = makeCamera(*spec);
    EXPECT_TRUE(cam.ok());
    auto init = (*cam)->init();
    EXPECT_TRUE(init.ok()) << init.error().message();
    EXPECT_TRUE((*cam)->start().ok());
    return std::move(*cam);
}

TEST(PatternCamera, LaysOutEachFormat) {
    struct Case {
        const char* spec;
        PixelFormat format;
        uint8_t planes;
        size_t plane0Bytes;
    } cases[] = {
        {"pattern,width=64,height=48", PixelFormat::I420, 3, 64 * 48},
        {"pattern,width=64,height=48,format=nv12", PixelFormat::Nv12, 2, 64 * 48},
        {"pattern,width=64,height=48,format=yuyv", PixelFormat::Yuyv, 1, 64 * 48 * 2},
        {"pattern,width=64,height=48,format=rgb24", PixelFormat::Rgb24, 1, 64 * 48 * 3},
    };
    for (const auto& c : cases) {
        auto cam = started(c.spec);
        auto frame = cam->capture(100);
        ASSERT_TRUE(frame.ok()) << c.spec;
        EXPECT_EQ(frame->format, c.format);
        EXPECT_EQ(frame->width, 64u);
        EXPECT_EQ(frame->height, 48u);
        EXPECT_EQ(frame->planeCount, c.planes);
        EXPECT_EQ(frame->planes[0].data.size(), c.plane0Bytes);
        EXPECT_TRUE(cam->info().streams) << "its frame counter moves: a live preview shows it";
        cam->release(*frame);
    }
}

TEST(PatternCamera, SceneHasDetailNotAFlatColour) {
    auto cam = started("pattern,width=320,height=240");
    auto frame = cam->capture(100);
    ASSERT_TRUE(frame.ok());
    std::set<uint8_t> lumaValues;
    for (std::byte b : frame->planes[0].data)
        lumaValues.insert(static_cast<uint8_t>(b));
    EXPECT_GT(lumaValues.size(), 200u);
    cam->release(*frame);
}

TEST(PatternCamera, IsDeterministicAndCountsFrames) {
    auto a = started("pattern,width=128,height=96");
    auto b = started("pattern,width=128,height=96");
    auto fa = a->capture(100);
    auto fb = b->capture(100);
    ASSERT_TRUE(fa.ok() && fb.ok());
    std::vector<std::byte> first(fa->planes[0].data.begin(), fa->planes[0].data.end());
    EXPECT_TRUE(std::equal(first.begin(), first.end(), fb->planes[0].data.begin()));
    a->release(*fa);
    auto second = a->capture(100);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->sequence, 1u);
    EXPECT_FALSE(std::equal(first.begin(), first.end(), second->planes[0].data.begin()))
        << "the frame counter must change the image";
}

TEST(PatternCamera, RefusesASecondLoanAndBadOptions) {
    auto cam = started("pattern,width=64,height=48");
    auto frame = cam->capture(100);
    ASSERT_TRUE(frame.ok());
    auto again = cam->capture(100);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code(), Errc::CameraBusy);

    for (const char* bad : {"pattern,width=63,height=48", "pattern,format=mjpeg",
                            "pattern,colour=red", "pattern,width=99999"}) {
        auto spec = DeviceSpec::parse(bad);
        ASSERT_TRUE(spec.ok());
        PatternCamera c(*spec);
        EXPECT_FALSE(c.init().ok()) << bad;
    }
}

TEST(CameraFactory, UnknownBackendListsTheKnownOnes) {
    auto spec = DeviceSpec::parse("webcam");
    ASSERT_TRUE(spec.ok());
    auto cam = makeCamera(*spec);
    ASSERT_FALSE(cam.ok());
    EXPECT_EQ(cam.error().code(), Errc::NotSupported);
    EXPECT_NE(std::string(cam.error().message()).find("pattern"), std::string::npos);
}

}  // namespace
}  // namespace snapstage::hal

namespace snapstage::hal {
namespace {

TEST(CameraRegistryTest, NullCameraAndLeasesThatGiveThemselvesBack) {
    auto spec = DeviceSpec::parse("null,width=64,height=48");
    ASSERT_TRUE(spec.ok());
    auto cam = makeCamera(*spec);
    ASSERT_TRUE(cam.ok());
    ASSERT_TRUE((*cam)->init().ok());
    ASSERT_TRUE((*cam)->start().ok());
    {
        auto lease = (*cam)->lease(100);
        ASSERT_TRUE(lease.ok());
        EXPECT_EQ((*lease)->width, 64u);
        EXPECT_FALSE((*cam)->info().streams) << "one flat frame: nothing to preview";
        FrameLease moved = std::move(*lease);
        EXPECT_EQ(moved->format, PixelFormat::I420);
    }
    // An option the backend does not take is named with the ones it does.
    auto bad = makeCamera(*DeviceSpec::parse("file:x.jpg,timeout_ms=5"));
    ASSERT_FALSE(bad.ok());
    EXPECT_STREQ(bad.error().message(),
                 "camera 'file' takes no option 'timeout_ms' (it takes: none)");
    // libcamera is listed exactly when this build has it (cameraLibraries() names it then).
    const bool withLibcamera = std::string_view(cameraLibraries()).starts_with("libcamera ");
    EXPECT_STREQ(cameraBackends(),
                 withLibcamera ? "null,pattern,file,v4l2,libcamera" : "null,pattern,file,v4l2");
}

TEST(CameraRegistryTest, ABackendLeftOutOfTheBuildIsNamedPlainly) {
    // Given a build with or without libcamera
    // When the libcamera camera is asked for
    auto cam = makeCamera(*DeviceSpec::parse("libcamera,width=640,height=480"));
    // Then it is made, or refused with a message that says this build lacks it
    if (std::string_view(cameraLibraries()).starts_with("libcamera ")) {
        EXPECT_TRUE(cam.ok());
        auto bad = makeCamera(*DeviceSpec::parse("libcamera,fps=5"));
        ASSERT_FALSE(bad.ok());
        EXPECT_STREQ(bad.error().message(),
                     "camera 'libcamera' takes no option 'fps' (it takes: "
                     "camera,width,height,format,buffers)");
    } else {
        ASSERT_FALSE(cam.ok());
        EXPECT_EQ(cam.error().code(), Errc::NotSupported);
        EXPECT_STREQ(cam.error().message(),
                     "camera backend 'libcamera' is not known to this build (available: "
                     "null,pattern,file,v4l2)");
    }
}

TEST(CameraRegistryTest, ALeaseReleasesExactlyOnce) {
    struct Counting final : Camera {
        int released = 0;
        Status init() override { return okStatus(); }
        Status start() override { return okStatus(); }
        Result<FrameView> capture(int) override { return FrameView{}; }
        void release(const FrameView&) override { ++released; }
        void stop() override {}
        CameraInfo info() const override { return {}; }
    } cam;
    {
        auto a = cam.lease(0);
        ASSERT_TRUE(a.ok());
        FrameLease b = std::move(*a);
        FrameLease c;
        c = std::move(b);
        EXPECT_EQ(cam.released, 0);
        c.reset();
        EXPECT_EQ(cam.released, 1);
    }
    EXPECT_EQ(cam.released, 1);
}

}  // namespace
}  // namespace snapstage::hal
