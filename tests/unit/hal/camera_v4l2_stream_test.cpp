// SPDX-License-Identifier: MIT
// Tests of the V4L2 camera's streaming against the fake device: the dequeue/requeue cycle,
// frame layouts, timeouts, damaged frames, disconnection, release and teardown; and the fake's
// own kernel-like answers to misuse.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cerrno>
#include <vector>

#include "hal/linux/camera_v4l2.h"
#include "tests/unit/hal/camera_v4l2_rig.h"

namespace snapstage::hal {
namespace {

TEST(V4l2CameraStream, RequeuesEveryBufferOverManyFrames) {
    // Given a streaming camera with three buffers
    V4l2Rig rig({}, "v4l2,width=64,height=48,buffers=3");
    ASSERT_TRUE(rig.started());
    ASSERT_EQ(rig.camera.info().bufferCount, 3u);
    const FakeV4l2Config defaults;
    // When it captures and releases ten frames, more than it has buffers
    for (uint32_t i = 0; i < 10; ++i) {
        auto frame = rig.nextFrame();
        ASSERT_TRUE(frame.ok()) << frame.error().message();
        // Then each frame carries the driver's sequence, timestamp and bytes, buffers in turn
        EXPECT_EQ(frame->sequence, i);
        EXPECT_EQ(frame->timestampUs, defaults.firstTimestampUs + i * defaults.frameIntervalUs);
        EXPECT_EQ(frame->bufferIndex, i % 3);
        EXPECT_EQ(frame->planes[0].data[5], FakeV4l2Device::patternByte(i, 5));
        rig.camera.release(*frame);
    }
    EXPECT_EQ(rig.device.counters().requeued, 10u);
    EXPECT_EQ(rig.device.counters().dropped, 0u);
}

TEST(V4l2CameraStream, HonoursMjpegBytesUsed) {
    // Given a camera streaming MJPEG
    V4l2Rig rig(offering({V4L2_PIX_FMT_MJPEG}), "v4l2,width=320,height=240");
    ASSERT_TRUE(rig.started());
    ASSERT_EQ(rig.device.produceFrames(3), 3u);
    for (uint32_t i = 0; i < 3; ++i) {
        // When a frame is captured
        auto frame = rig.camera.capture(100);
        ASSERT_TRUE(frame.ok()) << frame.error().message();
        // Then its one plane is exactly the bitstream the driver wrote
        auto data = frame->planes[0].data;
        EXPECT_EQ(frame->format, PixelFormat::Mjpeg);
        EXPECT_EQ(frame->planeCount, 1u);
        EXPECT_EQ(frame->planes[0].strideBytes, 0u);
        ASSERT_EQ(data.size(), FakeV4l2Device::jpegBytes(i));
        EXPECT_EQ(data.front(), std::byte{0xff});
        EXPECT_EQ(data[1], std::byte{0xd8});
        EXPECT_EQ(data.back(), std::byte{0xd9});
        rig.camera.release(*frame);
    }
}

TEST(V4l2CameraStream, LaysOutPlanesWithTheDriversStride) {
    struct Case {
        uint32_t fourcc;
        uint8_t planes;
        uint32_t stride;
    } cases[] = {
        {V4L2_PIX_FMT_NV12, 2, 128},  // 100 rounded up to 64-byte lines
        {V4L2_PIX_FMT_YUYV, 1, 256},  // 200 rounded up
    };
    for (const auto& c : cases) {
        // Given a driver that pads lines to 64 bytes
        FakeV4l2Config config = offering({c.fourcc});
        config.formats[0].strideAlign = 64;
        V4l2Rig rig(config, "v4l2,width=100,height=50");
        ASSERT_TRUE(rig.started());
        // When a frame is captured
        auto frame = rig.nextFrame();
        ASSERT_TRUE(frame.ok()) << frame.error().message();
        // Then the planes use the driver's stride; NV12's UV plane follows the Y plane
        ASSERT_EQ(frame->planeCount, c.planes);
        EXPECT_EQ(frame->planes[0].strideBytes, c.stride);
        EXPECT_EQ(frame->planes[0].data.size(), size_t{c.stride} * 50);
        if (c.planes == 2) {
            EXPECT_EQ(frame->planes[1].data.data(), frame->planes[0].data.data() + c.stride * 50);
            EXPECT_EQ(frame->planes[1].data.size(), size_t{c.stride} * 25);
            EXPECT_EQ(frame->planes[1].strideBytes, c.stride);
            EXPECT_EQ(frame->planes[1].data[3], FakeV4l2Device::patternByte(0, c.stride * 50 + 3));
        }
        rig.camera.release(*frame);
    }
}

TEST(V4l2CameraStream, TimesOutNamingDeviceAndWait) {
    // Given a streaming camera whose device sends nothing
    V4l2Rig rig;
    ASSERT_TRUE(rig.started());
    // When a frame is awaited for 250 ms
    auto frame = rig.camera.capture(250);
    // Then poll was asked for 250 ms (the fake returns at once) and the error says so
    ASSERT_FALSE(frame.ok());
    EXPECT_TRUE(
        failsWith(frame.error(), Errc::CameraTimeout, {"no frame from /dev/video0 within 250 ms"}));
    EXPECT_EQ(rig.device.lastPollTimeoutMs(), 250);
    EXPECT_EQ(rig.device.counters().pollTimeouts, 1u);
}

TEST(V4l2CameraStream, PollsAgainAfterEagainOrASignal) {
    struct Case {
        const char* name;
        bool eagain, eintr;
    } cases[] = {{"EAGAIN from DQBUF", true, false}, {"EINTR from poll", false, true}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        // Given a frame ready, but a first wake-up that yields nothing
        V4l2Rig rig;
        ASSERT_TRUE(rig.started());
        ASSERT_EQ(rig.device.produceFrames(1), 1u);
        if (c.eagain) rig.device.failIoctl(VIDIOC_DQBUF, EAGAIN);
        if (c.eintr) rig.device.failNextPoll(EINTR);
        // When a frame is captured
        auto frame = rig.camera.capture(500);
        // Then the camera waits again within what is left of the timeout and gets it
        ASSERT_TRUE(frame.ok()) << frame.error().message();
        EXPECT_EQ(rig.device.counters().polls, 2u);
        EXPECT_LE(rig.device.lastPollTimeoutMs(), 500);
        EXPECT_GE(rig.device.lastPollTimeoutMs(), 0);
        rig.camera.release(*frame);
    }
}

TEST(V4l2CameraStream, SkipsDamagedFrames) {
    // Given a frame flagged V4L2_BUF_FLAG_ERROR, a short raw frame, then a good frame
    V4l2Rig rig({}, "v4l2,width=64,height=48");
    ASSERT_TRUE(rig.started());
    rig.device.flagNextFramesError(1);
    ASSERT_EQ(rig.device.produceFrames(1), 1u);
    std::vector<std::byte> shortFrame(100, std::byte{1});
    ASSERT_TRUE(rig.device.pushFrame(shortFrame));
    ASSERT_EQ(rig.device.produceFrames(1), 1u);
    // When a frame is captured
    auto frame = rig.camera.capture(100);
    // Then the damaged ones were requeued and the good one is lent
    ASSERT_TRUE(frame.ok()) << frame.error().message();
    EXPECT_EQ(frame->sequence, 2u);
    EXPECT_EQ(rig.camera.damagedFrames(), 2u);
    EXPECT_EQ(rig.device.counters().requeued, 2u);
    rig.camera.release(*frame);
}

TEST(V4l2CameraStream, GivesUpAfterManyDamagedFramesInARow) {
    // Given eight damaged frames in a row
    FakeV4l2Config config;
    config.maxBuffers = 8;
    V4l2Rig rig(config, "v4l2,buffers=8");
    ASSERT_TRUE(rig.started());
    rig.device.flagNextFramesError(8);
    ASSERT_EQ(rig.device.produceFrames(8), 8u);
    // When a frame is captured / Then the link is reported as failing, with what to try
    auto frame = rig.camera.capture(100);
    ASSERT_FALSE(frame.ok());
    EXPECT_TRUE(failsWith(frame.error(), Errc::CameraIo, {"8 damaged frames in a row", "mjpeg"}));
}

TEST(V4l2CameraStream, ReportsDisconnectionAndDriverErrors) {
    struct Case {
        const char* name;
        int dqbufErrno;  // 0: the device is unplugged instead
        const char* mention;
    } cases[] = {
        {"unplugged", 0, "camera disconnected: /dev/video0 is gone"},
        {"ENODEV from DQBUF", ENODEV, "camera disconnected"},
        {"EIO from DQBUF", EIO, "stopped delivering frames"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        // Given a camera that has streamed one frame
        V4l2Rig rig;
        ASSERT_TRUE(rig.started());
        ASSERT_EQ(rig.device.produceFrames(2), 2u);
        auto first = rig.camera.capture(100);
        ASSERT_TRUE(first.ok());
        rig.camera.release(*first);
        // When the device goes away (or its driver fails) mid-stream
        if (c.dqbufErrno)
            rig.device.failIoctl(VIDIOC_DQBUF, c.dqbufErrno);
        else
            rig.device.unplug();
        auto frame = rig.camera.capture(100);
        // Then capture fails with CameraIo, and stop() is still safe
        ASSERT_FALSE(frame.ok());
        EXPECT_TRUE(failsWith(frame.error(), Errc::CameraIo, {c.mention}));
        rig.camera.stop();
    }
}

TEST(V4l2CameraStream, RefusesACaptureWhenEveryBufferIsLent) {
    // Given two buffers, both lent
    V4l2Rig rig({}, "v4l2,buffers=2");
    ASSERT_TRUE(rig.started());
    ASSERT_EQ(rig.device.produceFrames(2), 2u);
    auto a = rig.camera.capture(100);
    auto b = rig.camera.capture(100);
    ASSERT_TRUE(a.ok() && b.ok());
    // When a third capture is asked / Then it says to release first, without waiting
    auto c = rig.camera.capture(100);
    ASSERT_FALSE(c.ok());
    EXPECT_TRUE(failsWith(c.error(), Errc::CameraBusy, {"release a frame"}));
    // And after a release the stream goes on
    rig.camera.release(*a);
    auto d = rig.nextFrame();
    EXPECT_TRUE(d.ok());
}

TEST(V4l2CameraStream, IgnoresReleasesOfFramesItDidNotLend) {
    // Given a streaming camera with one frame lent and released
    V4l2Rig rig;
    ASSERT_TRUE(rig.started());
    auto frame = rig.nextFrame();
    ASSERT_TRUE(frame.ok());
    rig.camera.release(*frame);
    const uint32_t queued = rig.device.counters().queued;
    // When an unknown index and the same frame again are released
    FrameView bogus;
    bogus.bufferIndex = 99;
    rig.camera.release(bogus);
    rig.camera.release(*frame);
    // Then nothing is queued twice and the camera still works
    EXPECT_EQ(rig.device.counters().queued, queued);
    EXPECT_TRUE(rig.nextFrame().ok());
}

TEST(V4l2CameraStream, RestartsAfterStop) {
    // Given a camera stopped with a frame still lent
    V4l2Rig rig;
    ASSERT_TRUE(rig.started());
    ASSERT_EQ(rig.device.produceFrames(2), 2u);
    auto lent = rig.camera.capture(100);
    ASSERT_TRUE(lent.ok());
    rig.camera.stop();
    EXPECT_FALSE(rig.device.streaming());
    rig.camera.release(*lent);  // after stop(): harmless
    // When it starts again
    ASSERT_TRUE(rig.camera.start().ok());
    auto frame = rig.nextFrame();
    // Then frames count from 0 again through every buffer
    ASSERT_TRUE(frame.ok()) << frame.error().message();
    EXPECT_EQ(frame->sequence, 0u);
    EXPECT_EQ(rig.device.counters().streamOns, 2u);
}

TEST(V4l2CameraStream, DestructionUnmapsAndClosesEverything) {
    FakeV4l2Device device;
    {
        // Given a streaming camera with a frame still lent
        V4l2Camera camera(parseSpec("v4l2,buffers=5"), device);
        ASSERT_TRUE(camera.init().ok());
        ASSERT_TRUE(camera.start().ok());
        ASSERT_EQ(device.produceFrames(1), 1u);
        ASSERT_TRUE(camera.capture(100).ok());
        // When the camera is destroyed
    }
    // Then streaming stopped, every buffer was unmapped and the fd closed
    const auto& n = device.counters();
    EXPECT_FALSE(device.streaming());
    EXPECT_EQ(n.streamOffs, 1u);
    EXPECT_EQ(n.maps, 5u);
    EXPECT_EQ(n.unmaps, 5u);
    EXPECT_EQ(n.badUnmaps, 0u);
    EXPECT_EQ(device.mappedBuffers(), 0u);
    EXPECT_EQ(n.opens, n.closes);
    EXPECT_EQ(device.openFds(), 0u);
}

TEST(V4l2CameraStream, ReportsCallsOutOfOrder) {
    V4l2Rig rig;
    EXPECT_EQ(rig.camera.start().error().code(), Errc::Internal);
    ASSERT_TRUE(rig.camera.init().ok());
    EXPECT_EQ(rig.camera.capture(10).error().code(), Errc::Internal);
}

}  // namespace
}  // namespace snapstage::hal

namespace snapstage::fakes {
namespace {

// The fake must refuse misuse as the kernel does, or the camera's tests prove nothing.
TEST(FakeV4l2Device, AnswersMisuseLikeTheKernel) {
    FakeV4l2Device dev;
    auto call = [&dev](int fd, unsigned long request, void* arg) {
        errno = 0;
        return dev.ioctl(fd, request, arg) == 0 ? 0 : errno;
    };
    EXPECT_EQ(dev.open("/dev/video9", O_RDWR), -1);
    EXPECT_EQ(errno, ENOENT);
    int fd = dev.open("/dev/video0", O_RDWR | O_NONBLOCK);
    ASSERT_GE(fd, 0);
    v4l2_buffer buf{};
    buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buf.memory = V4L2_MEMORY_MMAP;
    EXPECT_EQ(call(fd + 1, VIDIOC_QBUF, &buf), EBADF);
    EXPECT_EQ(call(fd, VIDIOC_QBUF, &buf), EINVAL) << "no buffers yet";
    EXPECT_EQ(call(fd, VIDIOC_LOG_STATUS, &buf), ENOTTY);
    v4l2_requestbuffers req{};
    req.count = 2;
    req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    req.memory = V4L2_MEMORY_MMAP;
    ASSERT_EQ(call(fd, VIDIOC_REQBUFS, &req), 0);
    EXPECT_EQ(call(fd, VIDIOC_QBUF, &buf), 0);
    EXPECT_EQ(call(fd, VIDIOC_QBUF, &buf), EINVAL) << "queued twice";
    EXPECT_EQ(call(fd, VIDIOC_DQBUF, &buf), EINVAL) << "not streaming";
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    ASSERT_EQ(call(fd, VIDIOC_STREAMON, &type), 0);
    EXPECT_EQ(call(fd, VIDIOC_DQBUF, &buf), EAGAIN) << "nothing captured yet";
    // mmap wants a shared mapping of one whole buffer; munmap only what was mapped.
    ASSERT_EQ(call(fd, VIDIOC_QUERYBUF, &buf), 0);
    EXPECT_EQ(dev.mmap(buf.length, PROT_READ, MAP_PRIVATE, fd, buf.m.offset), MAP_FAILED);
    void* p = dev.mmap(buf.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, buf.m.offset);
    ASSERT_NE(p, MAP_FAILED);
    req.count = 4;
    EXPECT_EQ(call(fd, VIDIOC_REQBUFS, &req), EBUSY) << "buffers in use";
    EXPECT_EQ(dev.munmap(p, buf.length - 1), -1);
    EXPECT_EQ(dev.counters().badUnmaps, 1u);
    EXPECT_EQ(dev.munmap(p, buf.length), 0);
    // A scripted failure hits the nth call only.
    dev.failIoctl(VIDIOC_QUERYCAP, EIO, 2);
    v4l2_capability cap{};
    EXPECT_EQ(call(fd, VIDIOC_QUERYCAP, &cap), 0);
    EXPECT_EQ(call(fd, VIDIOC_QUERYCAP, &cap), EIO);
    EXPECT_EQ(call(fd, VIDIOC_QUERYCAP, &cap), 0);
    EXPECT_EQ(dev.close(fd), 0);
    EXPECT_EQ(dev.close(fd), -1);
}

TEST(FakeV4l2Device, PollsWithoutSleeping) {
    FakeV4l2Device dev;
    int fd = dev.open("/dev/video0", O_RDWR | O_NONBLOCK);
    pollfd p{fd, POLLIN, 0};
    EXPECT_EQ(dev.poll(&p, 1, 60000), 1);
    EXPECT_EQ(p.revents, POLLERR) << "not streaming: nothing can arrive";
    v4l2_requestbuffers req{};
    req.count = 1;
    req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    req.memory = V4L2_MEMORY_MMAP;
    ASSERT_EQ(dev.ioctl(fd, VIDIOC_REQBUFS, &req), 0);
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    ASSERT_EQ(dev.ioctl(fd, VIDIOC_STREAMON, &type), 0);
    EXPECT_EQ(dev.poll(&p, 1, 60000), 0) << "a minute's timeout, returned at once";
    EXPECT_EQ(dev.lastPollTimeoutMs(), 60000);
    EXPECT_EQ(dev.produceFrames(1), 0u) << "no buffer queued: the frame is dropped";
    EXPECT_EQ(dev.counters().dropped, 1u);
    dev.unplug();
    EXPECT_EQ(dev.poll(&p, 1, 10), 1);
    EXPECT_EQ(p.revents, POLLERR | POLLHUP);
    EXPECT_EQ(dev.close(fd), 0);
}

}  // namespace
}  // namespace snapstage::fakes
