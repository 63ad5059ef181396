// SPDX-License-Identifier: MIT
// LiveCamera: the newest frame of a streaming camera (older ones that waited in the driver's
// queue given back), the same stream kept for the photo, and the preview's pacing.
#include "firmware/app/live_camera.h"

#include <gtest/gtest.h>

#include <climits>
#include <memory>

#include "hal/linux/camera_v4l2.h"
#include "tests/fakes/fake_v4l2.h"

namespace snapstage::app {
namespace {

struct Rig {
    fakes::FakeV4l2Device device{fakes::FakeV4l2Config{}};
    LiveCamera live;

    explicit Rig(uint32_t fps) {
        auto spec = hal::DeviceSpec::parse("v4l2,width=64,height=48,buffers=3");
        auto camera = std::make_unique<hal::V4l2Camera>(*spec, device);
        EXPECT_TRUE(camera->init().ok());
        live.reset(std::move(camera), fps);
    }
};

TEST(LiveCameraTest, LendsTheNewestFrameAndGivesBackTheOnesThatWaited) {
    // Given a streaming camera whose driver has filled all three buffers
    Rig rig(15);
    ASSERT_TRUE(rig.live.start(0).ok());
    ASSERT_EQ(rig.device.produceFrames(3), 3u);
    // When the newest frame is asked for
    auto frame = rig.live.newest(100);
    // Then it is the last one made, and the two older ones went back to the driver
    ASSERT_TRUE(frame.ok()) << frame.error().message();
    EXPECT_EQ((*frame)->sequence, 2u);
    EXPECT_EQ(rig.device.counters().requeued, 2u);
    frame->reset();
    EXPECT_EQ(rig.device.counters().requeued, 3u);
    // and with nothing new yet, a look without waiting says so
    auto none = rig.live.newest(0);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().code(), Errc::CameraTimeout);
    // and the stream goes on: the next frame is the one made next, no restart in between
    ASSERT_EQ(rig.device.produceFrames(1), 1u);
    auto next = rig.live.newest(0);
    ASSERT_TRUE(next.ok());
    EXPECT_EQ((*next)->sequence, 3u);
    EXPECT_TRUE(rig.live.streaming());
}

TEST(LiveCameraTest, PacesThePreviewAndStopsWhenAsked) {
    Rig rig(10);
    EXPECT_FALSE(rig.live.due(0)) << "not streaming yet";
    EXPECT_EQ(rig.live.waitMs(0), INT64_MAX);
    ASSERT_TRUE(rig.live.start(1000).ok());
    EXPECT_TRUE(rig.live.due(1000)) << "a frame at once";
    rig.live.shown(1000);
    EXPECT_FALSE(rig.live.due(1099));
    EXPECT_TRUE(rig.live.due(1100)) << "10 a second";
    EXPECT_EQ(rig.live.waitMs(1050), 50);
    rig.live.notYet(2000);
    EXPECT_EQ(rig.live.waitMs(2000), 5) << "no frame ready: look again soon";
    rig.live.stop();
    EXPECT_FALSE(rig.live.streaming());
    EXPECT_FALSE(rig.live.due(5000));
}

TEST(LiveCameraTest, WithoutAPreviewRateTheCameraStillServesThePhoto) {
    Rig rig(0);
    ASSERT_TRUE(rig.live.start(0).ok());
    EXPECT_FALSE(rig.live.live());
    EXPECT_FALSE(rig.live.due(INT64_MAX));
    ASSERT_EQ(rig.device.produceFrames(1), 1u);
    auto frame = rig.live.newest(100);
    ASSERT_TRUE(frame.ok());
    EXPECT_EQ((*frame)->width, 64u);
}

}  // namespace
}  // namespace snapstage::app
