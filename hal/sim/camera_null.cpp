// SPDX-License-Identifier: MIT
// The null camera.
#include "hal/sim/camera_null.h"

#include <cstdio>
#include <cstring>

#include "firmware/util/time.h"

namespace snapstage::hal {

Status NullCamera::init() {
    auto w = spec_.uintOption("width", 640, 16384);
    auto h = spec_.uintOption("height", 480, 16384);
    if (!w || !h) return fail(!w ? w.error() : h.error());
    if (*w % 2 || *h % 2) return fail(Errc::InvalidArgument, "null camera: even sizes only");
    info_.backend = "null";
    std::snprintf(info_.name, sizeof info_.name, "null");
    info_.width = *w;
    info_.height = *h;
    info_.format = PixelFormat::I420;
    info_.bufferCount = 1;
    size_t bytes = size_t{*w} * *h * 3 / 2;
    pixels_.reset(new (std::nothrow) std::byte[bytes]);
    if (!pixels_) return fail(Errc::NoMemory, "no memory for the null camera's frame");
    std::memset(pixels_.get(), 128, bytes);
    return okStatus();
}

Result<FrameView> NullCamera::capture(int) {
    if (!pixels_) return fail(Errc::Internal, "camera used before init");
    FrameView f;
    f.format = PixelFormat::I420;
    f.width = info_.width;
    f.height = info_.height;
    size_t y = size_t{f.width} * f.height, c = y / 4;
    f.planes[0] = {std::span(pixels_.get(), y), f.width};
    f.planes[1] = {std::span(pixels_.get() + y, c), f.width / 2};
    f.planes[2] = {std::span(pixels_.get() + y + c, c), f.width / 2};
    f.planeCount = 3;
    f.sequence = sequence_++;
    f.timestampUs = monotonicUs();
    return f;
}

}  // namespace snapstage::hal
