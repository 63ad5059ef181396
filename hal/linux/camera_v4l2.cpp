// SPDX-License-Identifier: MIT
// The V4L2 camera: streaming, dequeue/requeue, and teardown (set-up is in camera_v4l2_init.cpp).
#include "hal/linux/camera_v4l2.h"

#include <linux/videodev2.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

#include "firmware/util/log.h"
#include "firmware/util/time.h"
#include "hal/linux/v4l2_util.h"

namespace snapstage::hal {
namespace {

using v4l2::deviceError;
using v4l2::mmapBuffer;

constexpr const char* kDefaultDevice = "/dev/video0";
constexpr uint32_t kMaxDamagedInARow = 8;  // then the link is failing, not glitching

}  // namespace

V4l2Camera::V4l2Camera(const DeviceSpec& spec, V4l2Io& io)
    : spec_(spec),
      io_(io),
      path_(spec_.argument.empty() ? kDefaultDevice : spec_.argument.c_str()) {
    info_.backend = "v4l2";
}

V4l2Camera::~V4l2Camera() {
    teardown();
}
Status V4l2Camera::queue(uint32_t index) noexcept {
    v4l2_buffer b = mmapBuffer(index);
    if (io_.ioctl(fd_, VIDIOC_QBUF, &b) != 0) return deviceError(path_, "VIDIOC_QBUF", errno);
    buffers_[index].queued = true;
    return {};
}

Status V4l2Camera::start() {
    if (fd_ < 0 || bufferCount_ == 0) return fail(Errc::Internal, "v4l2: start() before init()");
    if (streaming_) return {};
    for (uint32_t i = 0; i < bufferCount_; ++i) {
        Status s = queue(i);
        if (!s) {
            streamOff();  // also takes back the buffers queued so far
            return s;
        }
    }
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (io_.ioctl(fd_, VIDIOC_STREAMON, &type) != 0) {
        Failure f = deviceError(path_, "VIDIOC_STREAMON", errno);
        streamOff();
        return f;
    }
    streaming_ = true;
    return {};
}

bool V4l2Camera::frameIsWhole(const v4l2_buffer& buf) const noexcept {
    if (buf.flags & V4L2_BUF_FLAG_ERROR) return false;
    if (buf.bytesused > buffers_[buf.index].lengthBytes) return false;
    // A raw frame shorter than its layout lost data on the way (USB packets dropped).
    return buf.bytesused >= frameBytes_;
}

Result<V4l2Camera::Dequeued> V4l2Camera::dequeue(FrameView& out) noexcept {
    v4l2_buffer b = mmapBuffer();
    if (io_.ioctl(fd_, VIDIOC_DQBUF, &b) != 0) {
        if (errno == EAGAIN || errno == EINTR) return Dequeued::Nothing;
        if (errno == EIO)
            return failf(Errc::CameraIo, EIO,
                         "%s stopped delivering frames (I/O error): stop and start the camera, "
                         "or reconnect it",
                         path_);
        return deviceError(path_, "VIDIOC_DQBUF", errno);
    }
    if (b.index >= bufferCount_ || !buffers_[b.index].queued)
        return failf(Errc::CameraIo, 0, "%s: the driver returned buffer %u, which was not queued",
                     path_, b.index);
    buffers_[b.index].queued = false;
    if (!frameIsWhole(b)) {
        ++damagedFrames_;
        LOG_DEBUG("v4l2: %s: skipping damaged frame %u (flags 0x%x, %u bytes)", path_, b.sequence,
                  b.flags, b.bytesused);
        SNAPSTAGE_TRY(queue(b.index));
        if (++damagedInARow_ >= kMaxDamagedInARow)
            return failf(Errc::CameraIo, 0,
                         "%u damaged frames in a row from %s: the link may be overloaded; try a "
                         "lower resolution or frame rate, format=mjpeg, or another USB port",
                         damagedInARow_, path_);
        return Dequeued::Damaged;
    }
    damagedInARow_ = 0;
    const Buffer& buf = buffers_[b.index];
    out = FrameView{};
    out.format = info_.format;
    out.width = info_.width;
    out.height = info_.height;
    size_t lumaBytes = size_t{bytesPerLine_} * info_.height;
    if (info_.format == PixelFormat::Mjpeg) {
        out.planes[0] = Plane{{buf.data, b.bytesused}, 0};
        out.planeCount = 1;
    } else if (info_.format == PixelFormat::Nv12) {
        out.planes[0] = Plane{{buf.data, lumaBytes}, bytesPerLine_};
        out.planes[1] = Plane{{buf.data + lumaBytes, frameBytes_ - lumaBytes}, bytesPerLine_};
        out.planeCount = 2;
    } else {
        out.planes[0] = Plane{{buf.data, lumaBytes}, bytesPerLine_};
        out.planeCount = 1;
    }
    out.sequence = b.sequence;
    out.timestampUs = static_cast<int64_t>(b.timestamp.tv_sec) * 1000000 + b.timestamp.tv_usec;
    out.bufferIndex = b.index;
    return Dequeued::Frame;
}

Result<FrameView> V4l2Camera::capture(int timeoutMs) {
    if (!streaming_) return fail(Errc::Internal, "v4l2: capture() before start()");
    if (lentCount_ >= bufferCount_)
        return failf(Errc::CameraBusy, 0,
                     "v4l2: all %u buffers of %s are lent: release a frame before the next capture",
                     bufferCount_, path_);
    const int64_t deadlineMs = timeoutMs < 0 ? 0 : monotonicMs() + timeoutMs;
    int waitMs = timeoutMs;
    for (;;) {
        pollfd p{fd_, POLLIN, 0};
        int ready = io_.poll(&p, 1, waitMs);
        if (ready < 0 && errno != EINTR) return deviceError(path_, "poll", errno);
        if (ready == 0)
            return failf(Errc::CameraTimeout, 0, "no frame from %s within %d ms", path_, timeoutMs);
        if (ready > 0) {
            FrameView frame;
            auto got = dequeue(frame);
            if (!got) return fail(got.error());
            if (*got == Dequeued::Frame) {
                buffers_[frame.bufferIndex].lent = true;
                ++lentCount_;
                return frame;
            }
            if (*got == Dequeued::Nothing && (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
                return failf(Errc::CameraIo, 0,
                             "%s reported an error while waiting for a frame (poll events 0x%x)",
                             path_, static_cast<unsigned>(p.revents));
        }
        // Woken without a frame (EAGAIN, a damaged frame, a signal): wait out the rest.
        if (timeoutMs >= 0) {
            int64_t leftMs = deadlineMs - monotonicMs();
            if (leftMs <= 0)
                return failf(Errc::CameraTimeout, 0, "no frame from %s within %d ms", path_,
                             timeoutMs);
            waitMs = static_cast<int>(leftMs);
        }
    }
}

void V4l2Camera::release(const FrameView& frame) {
    if (!streaming_) {
        LOG_DEBUG("v4l2: %s: frame %u released after stop(); nothing to do", path_,
                  frame.bufferIndex);
        return;
    }
    uint32_t i = frame.bufferIndex;
    if (i >= bufferCount_ || !buffers_[i].lent) {
        LOG_WARN("v4l2: %s: release of buffer %u, which is not lent; ignored", path_, i);
        return;
    }
    buffers_[i].lent = false;
    --lentCount_;
    Status s = queue(i);
    // The next capture() reports a lasting fault; a lost buffer only shrinks the pool.
    if (!s) LOG_WARN("v4l2: %s", s.error().message());
}

void V4l2Camera::streamOff() noexcept {
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (io_.ioctl(fd_, VIDIOC_STREAMOFF, &type) != 0 && errno != ENODEV)
        LOG_WARN("v4l2: %s: VIDIOC_STREAMOFF failed: %s", path_, std::strerror(errno));
    // STREAMOFF hands every buffer back to us, queued or done.
    for (uint32_t i = 0; i < bufferCount_; ++i)
        buffers_[i].queued = buffers_[i].lent = false;
    lentCount_ = 0;
    damagedInARow_ = 0;
    streaming_ = false;
}

void V4l2Camera::stop() {
    if (streaming_) streamOff();
}

void V4l2Camera::teardown() noexcept {
    stop();
    for (uint32_t i = 0; i < bufferCount_; ++i) {
        Buffer& b = buffers_[i];
        if (b.data && io_.munmap(b.data, b.lengthBytes) != 0)
            LOG_WARN("v4l2: %s: munmap of buffer %u failed: %s", path_, i, std::strerror(errno));
        b = Buffer{};
    }
    bufferCount_ = 0;
    if (fd_ >= 0) io_.close(fd_);
    fd_ = -1;
    info_ = CameraInfo{};
    info_.backend = "v4l2";
}

}  // namespace snapstage::hal