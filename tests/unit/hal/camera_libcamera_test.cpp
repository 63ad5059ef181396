// SPDX-License-Identifier: MIT
// Tests of the libcamera camera: options refused before libcamera starts, and, where libcamera
// finds a camera (vimc in the VM test bed, tests/hil), capture, leases, every buffer lent, and
// stop then start again. Built only when libcamera is; the camera comes from its module
// (hal/camera_plugin.h), as in the snapstage program.
#include "hal/camera.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace snapstage::hal {
namespace {

// The libcamera camera of `spec`, made through the registry (and so from the module).
std::unique_ptr<Camera> libcameraCamera(const char* spec) {
    auto made = makeCamera(*DeviceSpec::parse(spec));
    EXPECT_TRUE(made.ok()) << made.error().message();
    return made.ok() ? std::move(*made) : nullptr;
}

TEST(LibcameraCamera, RefusesBadOptionsBeforeStartingLibcamera) {
    struct Case {
        const char* spec;
        Errc code;
    } cases[] = {
        {"libcamera,format=yuyv", Errc::CameraFormat},
        {"libcamera,buffers=0", Errc::InvalidArgument},
        {"libcamera,buffers=17", Errc::InvalidArgument},
        {"libcamera,width=0", Errc::InvalidArgument},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.spec);
        // Given a spec with a bad option
        auto cam = libcameraCamera(c.spec);
        ASSERT_TRUE(cam);
        // When the camera is set up
        Status st = cam->init();
        // Then it is refused with the option's error, and nothing is left open
        ASSERT_FALSE(st.ok());
        EXPECT_EQ(st.error().code(), c.code) << st.error().message();
        EXPECT_STREQ(cam->info().backend, "libcamera");
        EXPECT_EQ(cam->info().bufferCount, 0u);
    }
    auto cam = libcameraCamera("libcamera,format=yuyv");
    ASSERT_TRUE(cam);
    EXPECT_STREQ(cam->init().error().message(),
                 "libcamera: format must be yuv420, nv12, rgb, bgr888 or rgb888, not 'yuyv'");
}

TEST(LibcameraCamera, CapturesFromARealCamera) {
    // Given the first camera libcamera finds (skipped where it finds none)
    auto made = libcameraCamera("libcamera,width=640,height=480,buffers=2");
    ASSERT_TRUE(made);
    Camera& cam = *made;
    Status st = cam.init();
    if (!st && st.error().code() == Errc::CameraOpen) GTEST_SKIP() << st.error().message();
    ASSERT_TRUE(st.ok()) << st.error().message();
    const CameraInfo info = cam.info();
    EXPECT_STREQ(info.backend, "libcamera");
    ASSERT_GE(info.bufferCount, 1u);
    const bool rgb = info.format == PixelFormat::Rgb24 || info.format == PixelFormat::Bgr24;
    for (int round = 0; round < 2; ++round) {
        SCOPED_TRACE(round);
        // When it is started (again after a stop) and frames are leased one after another
        ASSERT_TRUE(cam.start().ok());
        uint64_t last = 0;
        for (int i = 0; i < 3; ++i) {
            auto lease = cam.lease(5000);
            ASSERT_TRUE(lease.ok()) << lease.error().message();
            // Then each frame has the camera's size and format, whole planes, and a later
            // sequence number than the one before
            const FrameView& f = lease->frame();
            EXPECT_EQ(f.width, info.width);
            EXPECT_EQ(f.height, info.height);
            EXPECT_EQ(f.format, info.format);
            ASSERT_GE(f.planeCount, 1u);
            EXPECT_GE(f.planes[0].strideBytes, rgb ? f.width * 3 : f.width);
            EXPECT_GE(f.planes[0].data.size(), size_t{f.planes[0].strideBytes} * f.height);
            EXPECT_GT(f.timestampUs, 0);
            if (i > 0) {
                EXPECT_GT(f.sequence, last);
            }
            last = f.sequence;
        }
        // And with every buffer lent, the next capture says so at once instead of waiting
        std::vector<FrameLease> held;
        for (uint32_t i = 0; i < info.bufferCount; ++i) {
            auto lease = cam.lease(5000);
            ASSERT_TRUE(lease.ok()) << lease.error().message();
            held.push_back(std::move(*lease));
        }
        auto more = cam.capture(100);
        ASSERT_FALSE(more.ok());
        EXPECT_EQ(more.error().code(), Errc::CameraBusy);
        held.clear();
        cam.stop();
    }
}

}  // namespace
}  // namespace snapstage::hal
