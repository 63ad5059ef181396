// SPDX-License-Identifier: MIT
// Tests of the V4L2 camera's set-up against the fake device: capabilities, format and size
// negotiation, options, buffer grants, open errors, and one real-device smoke test.
#include "hal/linux/camera_v4l2.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "tests/unit/hal/camera_v4l2_rig.h"

namespace snapstage::hal {
namespace {

TEST(V4l2Camera, NegotiatesTheRequestedOrPreferredFormat) {
    struct Case {
        const char* name;
        std::initializer_list<uint32_t> offered;
        const char* spec;
        Errc code;
        PixelFormat format;   // when ok
        const char* mention;  // in the error message
    } cases[] = {
        {"default takes YUYV first",
         {V4L2_PIX_FMT_MJPEG, V4L2_PIX_FMT_YUYV},
         "v4l2",
         Errc::Ok,
         PixelFormat::Yuyv,
         ""},
        {"default prefers NV12 over MJPEG",
         {V4L2_PIX_FMT_MJPEG, V4L2_PIX_FMT_NV12},
         "v4l2",
         Errc::Ok,
         PixelFormat::Nv12,
         ""},
        {"default falls back to MJPEG",
         {V4L2_PIX_FMT_MJPEG},
         "v4l2",
         Errc::Ok,
         PixelFormat::Mjpeg,
         ""},
        {"JPEG counts as MJPEG",
         {V4L2_PIX_FMT_JPEG},
         "v4l2,format=mjpeg",
         Errc::Ok,
         PixelFormat::Mjpeg,
         ""},
        {"requested yuyv",
         {V4L2_PIX_FMT_NV12, V4L2_PIX_FMT_YUYV},
         "v4l2,format=yuyv",
         Errc::Ok,
         PixelFormat::Yuyv,
         ""},
        {"requested nv12",
         {V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_NV12},
         "v4l2,format=nv12",
         Errc::Ok,
         PixelFormat::Nv12,
         ""},
        {"requested mjpeg",
         {V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_MJPEG},
         "v4l2,format=MJPEG",
         Errc::Ok,
         PixelFormat::Mjpeg,
         ""},
        {"requested nv12 absent",
         {V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_MJPEG},
         "v4l2,format=nv12",
         Errc::CameraFormat,
         PixelFormat::Unknown,
         "does not offer nv12 (it offers: YUYV MJPG)"},
        {"requested mjpeg absent",
         {V4L2_PIX_FMT_YUYV},
         "v4l2,format=mjpeg",
         Errc::CameraFormat,
         PixelFormat::Unknown,
         "does not offer mjpeg"},
        {"none usable",
         {V4L2_PIX_FMT_RGB24, V4L2_PIX_FMT_GREY},
         "v4l2",
         Errc::CameraFormat,
         PixelFormat::Unknown,
         "offers none of the formats the v4l2 backend reads"},
        {"a format the backend cannot read",
         {V4L2_PIX_FMT_YUYV},
         "v4l2,format=rgb24",
         Errc::CameraFormat,
         PixelFormat::Unknown,
         "yuyv, nv12 or mjpeg, not 'rgb24'"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        // Given a device offering these formats
        V4l2Rig rig(offering(c.offered), c.spec);
        // When the camera initialises
        Status s = rig.camera.init();
        // Then it picks the expected format and tells the driver, or explains why not
        if (c.code == Errc::Ok) {
            ASSERT_TRUE(s.ok()) << s.error().message();
            EXPECT_EQ(rig.camera.info().format, c.format);
            EXPECT_TRUE(rig.camera.info().streams) << "a live preview can show its frames";
            EXPECT_TRUE(std::find(c.offered.begin(), c.offered.end(),
                                  rig.device.format().pixelformat) != c.offered.end());
        } else {
            ASSERT_FALSE(s.ok());
            EXPECT_TRUE(failsWith(s.error(), c.code, {c.mention}));
            EXPECT_EQ(rig.device.openFds(), 0u) << "a failed init() leaves the device closed";
        }
    }
}

TEST(V4l2Camera, ReportsTheSizeTheDriverChose) {
    struct Case {
        const char* spec;
        uint32_t width, height;
    } cases[] = {
        {"v4l2", 1280, 720},                       // 1920x1080 clamped to the maximum
        {"v4l2,width=1000,height=700", 992, 700},  // width rounded down to a multiple of 16
        {"v4l2,width=640,height=480", 640, 480},   // taken as asked
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.spec);
        // Given a driver that caps at 1280x720 and needs widths in steps of 16
        FakeV4l2Config config = offering({});
        config.formats.push_back(fakeFormat(V4L2_PIX_FMT_YUYV, 1280, 720));
        config.formats[0].widthStep = 16;
        V4l2Rig rig(config, c.spec);
        // When the camera initialises
        Status s = rig.camera.init();
        // Then info() reports the driver's size, not the request
        ASSERT_TRUE(s.ok()) << s.error().message();
        EXPECT_EQ(rig.camera.info().width, c.width);
        EXPECT_EQ(rig.camera.info().height, c.height);
    }
}

TEST(V4l2Camera, RefusesAFormatTheDriverSubstitutes) {
    // Given a driver that lists YUYV but answers S_FMT with MJPEG
    FakeV4l2Config config = offering({V4L2_PIX_FMT_MJPEG, V4L2_PIX_FMT_YUYV});
    config.formats[1].deliverable = false;
    V4l2Rig rig(config, "v4l2");
    // When the camera asks for its preferred YUYV
    Status s = rig.camera.init();
    // Then it fails naming both formats, and closes the device
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(failsWith(s.error(), Errc::CameraFormat, {"for YUYV", "chose MJPG"}));
    EXPECT_EQ(rig.device.openFds(), 0u);
}

TEST(V4l2Camera, AcceptsTheBuffersTheDriverGrants) {
    struct Case {
        const char* spec;
        uint32_t minGrant, maxGrant;
        Errc code;
        uint32_t granted;
    } cases[] = {
        {"v4l2", 1, 8, Errc::Ok, 4},  // default 4
        {"v4l2,buffers=6", 1, 8, Errc::Ok, 6},
        {"v4l2,buffers=8", 1, 3, Errc::Ok, 3},        // fewer than asked
        {"v4l2,buffers=2", 3, 8, Errc::Ok, 3},        // the driver's minimum
        {"v4l2,buffers=16", 1, 1, Errc::Ok, 1},       // one is enough to capture
        {"v4l2,buffers=4", 0, 0, Errc::NoMemory, 0},  // none granted
        {"v4l2,buffers=1", 1, 8, Errc::InvalidArgument, 0},
        {"v4l2,buffers=17", 1, 8, Errc::InvalidArgument, 0},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.spec);
        // Given a driver granting between minGrant and maxGrant buffers
        FakeV4l2Config config;
        config.minBuffers = c.minGrant;
        config.maxBuffers = c.maxGrant;
        V4l2Rig rig(config, c.spec);
        // When the camera initialises
        Status s = rig.camera.init();
        // Then it maps every granted buffer, or fails cleanly
        if (c.code == Errc::Ok) {
            ASSERT_TRUE(s.ok()) << s.error().message();
            EXPECT_EQ(rig.camera.info().bufferCount, c.granted);
            EXPECT_EQ(rig.device.mappedBuffers(), c.granted);
        } else {
            ASSERT_FALSE(s.ok());
            EXPECT_EQ(s.error().code(), c.code) << s.error().message();
            EXPECT_EQ(rig.device.mappedBuffers(), 0u);
        }
    }
}

TEST(V4l2Camera, ExplainsOpenFailures) {
    struct Case {
        const char* spec;
        int openErrno;
        Errc code;
        const char* mention;
    } cases[] = {
        {"v4l2:/dev/video7", 0, Errc::CameraOpen,
         "no camera at /dev/video7: is it connected and is the driver loaded?"},
        {"v4l2", EBUSY, Errc::CameraBusy,
         "/dev/video0 is busy: is another program (e.g. a running snapstage or libcamera app) "
         "using it?"},
        {"v4l2", EACCES, Errc::CameraOpen, "'video' group"},
        {"v4l2", ENODEV, Errc::CameraIo, "camera disconnected"},
        {"v4l2", EMFILE, Errc::CameraOpen, "cannot open /dev/video0"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.mention);
        // Given a device whose open fails (or no device at that path)
        V4l2Rig rig({}, c.spec);
        rig.device.failOpen(c.openErrno);
        // When the camera initialises
        Status s = rig.camera.init();
        // Then the message says what happened and what to do
        ASSERT_FALSE(s.ok());
        EXPECT_TRUE(failsWith(s.error(), c.code, {c.mention}));
        EXPECT_EQ(rig.device.counters().opens, 0u);
    }
}

TEST(V4l2Camera, ExplainsUnsupportedDevices) {
    constexpr uint32_t kDevCaps = V4L2_CAP_DEVICE_CAPS;
    struct Case {
        const char* name;
        uint32_t capabilities, deviceCaps;
        const char* mention;
    } cases[] = {
        {"no streaming I/O", V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_READWRITE, 0,
         "cannot stream through memory-mapped buffers"},
        {"multi-planar only", V4L2_CAP_VIDEO_CAPTURE_MPLANE | V4L2_CAP_STREAMING | kDevCaps,
         V4L2_CAP_VIDEO_CAPTURE_MPLANE | V4L2_CAP_STREAMING, "multi-planar node"},
        {"node caps win over device caps",
         V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_META_CAPTURE | V4L2_CAP_STREAMING | kDevCaps,
         V4L2_CAP_META_CAPTURE | V4L2_CAP_STREAMING, "not a video capture device"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        // Given a node with these capabilities
        FakeV4l2Config config;
        config.capabilities = c.capabilities;
        config.deviceCaps = c.deviceCaps;
        V4l2Rig rig(config, "v4l2");
        // When the camera initialises
        Status s = rig.camera.init();
        // Then it refuses clearly, before touching formats
        ASSERT_FALSE(s.ok());
        EXPECT_TRUE(failsWith(s.error(), Errc::NotSupported, {"/dev/video0", c.mention}));
        EXPECT_EQ(rig.device.ioctlCalls(VIDIOC_ENUM_FMT), 0u);
        EXPECT_EQ(rig.device.openFds(), 0u);
    }
}

TEST(V4l2Camera, RefusesANodeThatIsNotV4l2) {
    // Given a node that does not know VIDIOC_QUERYCAP
    V4l2Rig rig;
    rig.device.failIoctl(VIDIOC_QUERYCAP, ENOTTY);
    // When the camera initialises / Then it says the node is not a V4L2 device
    Status s = rig.camera.init();
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(failsWith(s.error(), Errc::NotSupported, {"is not a V4L2 device"}));
}

TEST(V4l2Camera, OpensNonBlockingAndNamesTheCard) {
    // Given a device with a card name
    FakeV4l2Config config;
    config.card = "HD Pro Webcam C920";
    V4l2Rig rig(config, "v4l2");
    // When the camera initialises
    ASSERT_TRUE(rig.camera.init().ok());
    // Then it opened read-write, non-blocking, close-on-exec, and reports the card
    EXPECT_EQ(rig.device.lastOpenFlags() & O_ACCMODE, O_RDWR);
    EXPECT_TRUE(rig.device.lastOpenFlags() & O_NONBLOCK);
    EXPECT_TRUE(rig.device.lastOpenFlags() & O_CLOEXEC);
    EXPECT_STREQ(rig.camera.info().name, "HD Pro Webcam C920");
    EXPECT_STREQ(rig.camera.info().backend, "v4l2");
    EXPECT_EQ(rig.device.ioctlCalls(VIDIOC_S_PARM), 0u) << "no fps= keeps the driver's rate";
}

TEST(V4l2Camera, SetsTheFrameRateWhenAsked) {
    struct Case {
        const char* spec;
        int frameRateErrno;
        Errc code;
        uint32_t denominator;
    } cases[] = {
        {"v4l2,fps=15", 0, Errc::Ok, 15},
        {"v4l2,fps=60", 0, Errc::Ok, 30},  // the driver's maximum, accepted
        {"v4l2,fps=15", ENOTTY, Errc::NotSupported, 0},
        {"v4l2,fps=0", 0, Errc::InvalidArgument, 0},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.spec);
        // Given a driver with (or without) frame-rate control, capped at 30 fps
        FakeV4l2Config config;
        config.frameRateErrno = c.frameRateErrno;
        V4l2Rig rig(config, c.spec);
        // When the camera initialises
        Status s = rig.camera.init();
        // Then the driver holds the rate, or the error says to drop fps=
        EXPECT_EQ(s.ok() ? Errc::Ok : s.error().code(), c.code);
        if (c.code == Errc::Ok) {
            EXPECT_EQ(rig.device.timePerFrame().denominator, c.denominator);
        }
        if (c.code == Errc::NotSupported) {
            EXPECT_TRUE(failsWith(s.error(), c.code, {"fps="}));
        }
    }
}

TEST(V4l2Camera, RejectsUnknownOptions) {
    V4l2Rig rig({}, "v4l2,colour=red");
    Status s = rig.camera.init();
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(failsWith(s.error(), Errc::InvalidArgument, {"colour"}));
    EXPECT_EQ(rig.device.counters().opens, 0u);
}

TEST(V4l2Camera, ReportsBusyWhenAnotherClientStreams) {
    // Given one camera streaming from the device
    FakeV4l2Device device;
    V4l2Camera first(parseSpec("v4l2"), device);
    ASSERT_TRUE(first.init().ok());
    ASSERT_TRUE(first.start().ok());
    // When a second camera opens the same device
    V4l2Camera second(parseSpec("v4l2"), device);
    Status s = second.init();
    // Then it is told the device is busy, and the first keeps its buffers
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(failsWith(s.error(), Errc::CameraBusy, {"another program"}));
    EXPECT_TRUE(device.streaming());
    EXPECT_EQ(device.openFds(), 1u);
}

TEST(V4l2Camera, CanBeInitialisedAgain) {
    // Given an initialised camera
    V4l2Rig rig;
    ASSERT_TRUE(rig.camera.init().ok());
    // When init() runs again
    ASSERT_TRUE(rig.camera.init().ok());
    // Then the first session was closed and unmapped before the second
    EXPECT_EQ(rig.device.counters().opens, 2u);
    EXPECT_EQ(rig.device.counters().closes, 1u);
    EXPECT_EQ(rig.device.openFds(), 1u);
    EXPECT_EQ(rig.device.counters().unmaps, 4u);
}

TEST(V4l2Camera, CleansUpWhenMappingFails) {
    // Given a device whose second buffer cannot be mapped
    V4l2Rig rig;
    rig.device.failIoctl(VIDIOC_QUERYBUF, EIO, 2);
    // When the camera initialises
    Status s = rig.camera.init();
    // Then the error names the call, and the first mapping and the fd are released
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(failsWith(s.error(), Errc::CameraIo, {"VIDIOC_QUERYBUF"}));
    EXPECT_EQ(rig.device.counters().maps, 1u);
    EXPECT_EQ(rig.device.mappedBuffers(), 0u);
    EXPECT_EQ(rig.device.openFds(), 0u);
}

TEST(V4l2Camera, IsBuiltByTheFactory) {
    auto cam = makeCamera(parseSpec("v4l2:/dev/video0,format=yuyv,width=640,height=480"));
    ASSERT_TRUE(cam.ok()) << cam.error().message();
    EXPECT_STREQ((*cam)->info().backend, "v4l2");
    EXPECT_NE(std::strstr(cameraBackends(), "v4l2"), nullptr);
}

// The real system calls, on nodes every Linux machine has (or lacks).
TEST(V4l2Camera, TellsRealNonCameraNodesApart) {
    V4l2Camera missing(parseSpec("v4l2:/dev/snapstage-no-such-node"));
    EXPECT_EQ(missing.init().error().code(), Errc::CameraOpen);
    V4l2Camera null(parseSpec("v4l2:/dev/null"));
    EXPECT_TRUE(failsWith(null.init().error(), Errc::NotSupported, {"not a V4L2 device"}));
}

// The real kernel: runs only where a camera is plugged in.
TEST(V4l2Camera, CapturesFromARealDevice) {
    if (::access("/dev/video0", F_OK) != 0) GTEST_SKIP() << "no /dev/video0 on this machine";
    auto cam = makeCamera(parseSpec("v4l2:/dev/video0,width=640,height=480"));
    ASSERT_TRUE(cam.ok());
    Status s = (*cam)->init();
    if (!s.ok() && (s.error().code() == Errc::CameraBusy || s.error().code() == Errc::NotSupported))
        GTEST_SKIP() << s.error().message();
    ASSERT_TRUE(s.ok()) << s.error().message();
    ASSERT_TRUE((*cam)->start().ok());
    auto frame = (*cam)->capture(5000);
    ASSERT_TRUE(frame.ok()) << frame.error().message();
    EXPECT_EQ(frame->width, (*cam)->info().width);
    EXPECT_GT(frame->planes[0].data.size(), 0u);
    (*cam)->release(*frame);
    (*cam)->stop();
}

}  // namespace
}  // namespace snapstage::hal
