// SPDX-License-Identifier: MIT
// V4L2 helpers: fourcc names, format mapping, errno translation.
#include "hal/linux/v4l2_util.h"

#include <cerrno>
#include <cstring>

namespace snapstage::hal::v4l2 {

FourccName::FourccName(uint32_t fourcc) noexcept {
    for (int i = 0; i < 4; ++i) {
        auto c = static_cast<char>((fourcc >> (8 * i)) & 0xff);
        text[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    text[4] = '\0';
}

bool isJpegFourcc(uint32_t fourcc) noexcept {
    return fourcc == V4L2_PIX_FMT_MJPEG || fourcc == V4L2_PIX_FMT_JPEG;
}

PixelFormat pixelFormatOf(uint32_t fourcc) noexcept {
    if (fourcc == V4L2_PIX_FMT_YUYV) return PixelFormat::Yuyv;
    if (fourcc == V4L2_PIX_FMT_NV12) return PixelFormat::Nv12;
    if (isJpegFourcc(fourcc)) return PixelFormat::Mjpeg;
    return PixelFormat::Unknown;
}

Failure deviceError(const char* path, const char* what, int err) noexcept {
    if (err == ENODEV)
        return failf(Errc::CameraIo, err,
                     "camera disconnected: %s is gone (unplugged?); reconnect it and start again",
                     path);
    if (err == EBUSY)
        return failf(Errc::CameraBusy, err,
                     "%s is busy: is another program (e.g. a running snapstage or libcamera app) "
                     "using it?",
                     path);
    return failf(Errc::CameraIo, err, "%s: %s failed: %s", path, what, std::strerror(err));
}

v4l2_buffer mmapBuffer(uint32_t index) noexcept {
    v4l2_buffer b{};
    b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b.memory = V4L2_MEMORY_MMAP;
    b.index = index;
    return b;
}

}  // namespace snapstage::hal::v4l2
