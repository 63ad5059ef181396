// SPDX-License-Identifier: MIT
// Small V4L2 helpers shared by the V4L2 camera's sources: fourcc names, format mapping, and the
// translation of errno into the errors users see. Internal to hal/linux.
#pragma once

#include <linux/videodev2.h>

#include <cstdint>

#include "firmware/util/pixels.h"
#include "firmware/util/result.h"

namespace snapstage::hal::v4l2 {

// "YUYV", "MJPG": a fourcc as text, '?' for unprintable bytes. Lives on the caller's stack.
struct FourccName {
    char text[5];
    explicit FourccName(uint32_t fourcc) noexcept;
};

// MJPG and JPEG both carry one JPEG bitstream per buffer.
bool isJpegFourcc(uint32_t fourcc) noexcept;

// Yuyv, Nv12 or Mjpeg for the fourccs the camera reads; Unknown for the rest.
PixelFormat pixelFormatOf(uint32_t fourcc) noexcept;

// The error for `err` from `what` (an ioctl name, "poll", "mmap") on the open device `path`:
// ENODEV -> CameraIo "camera disconnected", EBUSY -> CameraBusy, else CameraIo naming the call.
Failure deviceError(const char* path, const char* what, int err) noexcept;

// A single-planar capture buffer descriptor for `index`, memory MMAP, the rest zero.
v4l2_buffer mmapBuffer(uint32_t index = 0) noexcept;

}  // namespace snapstage::hal::v4l2
