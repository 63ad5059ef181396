// SPDX-License-Identifier: MIT
// V4l2Camera: a Video4Linux2 capture device (USB UVC webcams, single-planar camera nodes) with
// memory-mapped streaming in YUYV, NV12 or MJPEG.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "hal/camera.h"
#include "hal/linux/v4l2_io.h"

struct v4l2_buffer;
struct v4l2_pix_format;

namespace snapstage::hal {

// Spec: "v4l2[:DEVICE][,format=yuyv|nv12|mjpeg][,width=W][,height=H][,buffers=N][,fps=F]".
// DEVICE defaults to /dev/video0, the size to 1920x1080 (the driver may pick the nearest size it
// supports: info() reports what it chose), the format to the first the device offers of yuyv,
// nv12, mjpeg. buffers: 2..16, default 4; the driver may grant fewer, and any grant of at least
// one is accepted (with one buffer a frame must be released before the next capture). fps sets
// the frame interval with VIDIOC_S_PARM; without it the driver's default stands.
//
// Multi-planar nodes (V4L2_CAP_VIDEO_CAPTURE_MPLANE only, e.g. the Raspberry Pi's unicam and ISP
// nodes) are not supported: init() says so; use libcamera's V4L2 compatibility layer there.
//
// Frames are lent straight from the driver's mmap'd buffers; nothing is allocated after init().
// All calls from one thread.
class V4l2Camera final : public Camera {
public:
    // VIDEO_MAX_FRAME: the most buffers a V4L2 queue can hold, so any grant fits the table.
    static constexpr uint32_t kMaxBuffers = 32;

    // `io` is borrowed for the camera's lifetime; the default is the real kernel.
    explicit V4l2Camera(const DeviceSpec& spec, V4l2Io& io = SystemV4l2Io::instance());
    // Stops streaming, unmaps every buffer and closes the device.
    ~V4l2Camera() override;

    // Opens the device, checks its capabilities, negotiates format and size, and maps the buffers.
    // Errors: CameraOpen (missing device, no permission), CameraBusy (in use by another program),
    // NotSupported (not a single-planar streaming capture device), CameraFormat (no usable
    // format, or the driver substituted another one), CameraIo (disconnected, driver error),
    // NoMemory (no buffers), InvalidArgument (bad option). A failed init() leaves the device
    // closed; init() may be called again.
    Status init() override;
    // Queues every buffer and starts streaming. Errors: CameraBusy, CameraIo.
    Status start() override;
    // Waits up to timeoutMs (< 0: without limit) for the next frame and lends its buffer until
    // release() or stop(). Damaged frames (V4L2_BUF_FLAG_ERROR, short raw frames) are requeued
    // and skipped. Errors: CameraTimeout, CameraBusy (every buffer lent), CameraIo (driver error,
    // disconnected, too many damaged frames in a row).
    Result<FrameView> capture(int timeoutMs) override;
    // Requeues the frame's buffer. A frame that is not lent (unknown index, released twice, or
    // lent before stop()) is ignored with a log line.
    void release(const FrameView& frame) override;
    // Stops streaming; every lent frame becomes invalid.
    void stop() override;
    CameraInfo info() const override { return info_; }

    // Frames skipped as damaged since init().
    uint64_t damagedFrames() const noexcept { return damagedFrames_; }

private:
    struct Buffer {
        std::byte* data = nullptr;
        size_t lengthBytes = 0;
        bool queued = false;  // owned by the driver
        bool lent = false;    // owned by the caller of capture()
    };
    struct Request {
        PixelFormat format = PixelFormat::Unknown;  // Unknown: the preference order
        uint32_t width = 0, height = 0, buffers = 0, fps = 0;
    };

    Status parseOptions(Request& request) const noexcept;
    Status initSteps() noexcept;
    Status openDevice() noexcept;
    Status checkCapabilities() noexcept;
    Result<uint32_t> chooseFormat(PixelFormat wanted) noexcept;
    void askFullRange(v4l2_pix_format& pix) noexcept;
    Status setFormat(uint32_t fourcc, const Request& request) noexcept;
    Status setFrameRate(uint32_t fps) noexcept;
    Status mapBuffers(uint32_t count) noexcept;
    Status queue(uint32_t index) noexcept;
    enum class Dequeued { Frame, Nothing, Damaged };
    // One VIDIOC_DQBUF once poll() said ready: a frame (laid out in `out`), nothing yet
    // (EAGAIN), or a damaged frame already requeued.
    Result<Dequeued> dequeue(FrameView& out) noexcept;
    bool frameIsWhole(const v4l2_buffer& buf) const noexcept;
    void streamOff() noexcept;
    void teardown() noexcept;

    DeviceSpec spec_;
    V4l2Io& io_;
    const char* path_;  // spec_.argument or the default device
    CameraInfo info_;
    int fd_ = -1;
    uint32_t fourcc_ = 0;
    uint32_t formatFlags_ = 0;  // VIDIOC_ENUM_FMT flags of the chosen format
    uint32_t bytesPerLine_ = 0;
    size_t frameBytes_ = 0;  // bytes a raw frame needs; 1 for MJPEG
    std::array<Buffer, kMaxBuffers> buffers_{};
    uint32_t bufferCount_ = 0;
    uint32_t lentCount_ = 0;
    bool streaming_ = false;
    uint32_t damagedInARow_ = 0;
    uint64_t damagedFrames_ = 0;
};

}  // namespace snapstage::hal
