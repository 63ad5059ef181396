// SPDX-License-Identifier: MIT
// The synthetic pattern camera.
#include "hal/sim/camera_pattern.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>

#include "firmware/util/time.h"
#include "hal/sim/pixel_convert.h"

namespace snapstage::hal {
namespace {

constexpr uint32_t kMaxSide = 8192;

// The scene as RGB at (x, y) of a w x h frame. Pure function of its arguments.
Rgb scenePixel(uint32_t x, uint32_t y, uint32_t w, uint32_t h) noexcept {
    static constexpr Rgb kBars[8] = {{191, 191, 191}, {191, 191, 0}, {0, 191, 191}, {0, 191, 0},
                                     {191, 0, 191},   {191, 0, 0},   {0, 0, 191},   {16, 16, 16}};
    double fx = static_cast<double>(x) / w, fy = static_cast<double>(y) / h;
    if (fy < 0.18) return kBars[static_cast<uint32_t>(fx * 8) & 7];
    // Zone plate: a circle whose rings get finer outwards, detail at every frequency.
    double cx = fx - 0.5, cy = (fy - 0.58) * h / w;
    double r2 = cx * cx + cy * cy;
    if (r2 < 0.09) {
        auto v = static_cast<uint8_t>(127.5 + 127.5 * std::cos(r2 * 2400.0));
        return {v, v, v};
    }
    // Fine checks in the bottom-right corner.
    if (fx > 0.8 && fy > 0.8) {
        bool on = ((x / 2) + (y / 2)) % 2 == 0;
        return on ? Rgb{240, 240, 240} : Rgb{20, 20, 20};
    }
    // Smooth gradients elsewhere.
    return {static_cast<uint8_t>(255 * fx), static_cast<uint8_t>(255 * (1 - fy)),
            static_cast<uint8_t>(128 + 127 * std::sin(6.2831853 * (fx + fy)))};
}

}  // namespace

Status PatternCamera::init() {
    SNAPSTAGE_TRY(spec_.checkKnown({"width", "height", "format"}));
    auto w = spec_.uintOption("width", 1920, kMaxSide);
    if (!w) return fail(w.error());
    auto h = spec_.uintOption("height", 1080, kMaxSide);
    if (!h) return fail(h.error());
    PixelFormat format = PixelFormat::I420;
    if (const std::string* f = spec_.option("format")) format = parsePixelFormat(*f);
    if (format == PixelFormat::Unknown || format == PixelFormat::Mjpeg ||
        format == PixelFormat::Bgr24)
        return failf(Errc::CameraFormat, 0,
                     "pattern: format must be i420, nv12, yuyv or rgb24, not '%s'",
                     spec_.option("format")->c_str());
    if ((*w % 2) || (*h % 2))
        return failf(Errc::InvalidArgument, 0, "pattern: width and height must be even (%ux%u)", *w,
                     *h);

    info_ = CameraInfo{};
    info_.backend = "pattern";
    std::snprintf(info_.name, sizeof info_.name, "synthetic pattern");
    info_.width = *w;
    info_.height = *h;
    info_.format = format;
    info_.bufferCount = 1;
    info_.streams = true;  // the frame counter moves

    view_ = layoutFrame(format, *w, *h, nullptr, frameBytes_);
    frame_.reset(new (std::nothrow) std::byte[frameBytes_]);
    if (!frame_) return failf(Errc::NoMemory, 0, "pattern: cannot allocate %zu bytes", frameBytes_);
    view_ = layoutFrame(format, *w, *h, frame_.get(), frameBytes_);

    FrameWriter writer(view_, frame_.get());
    for (uint32_t y = 0; y < *h; y += 2) {
        for (uint32_t x = 0; x < *w; x += 2) {
            writer.put2x2(x, y, scenePixel(x, y, *w, *h), scenePixel(x + 1, y, *w, *h),
                          scenePixel(x, y + 1, *w, *h), scenePixel(x + 1, y + 1, *w, *h));
        }
    }
    return {};
}

Status PatternCamera::start() {
    if (!frame_) return fail(Errc::Internal, "pattern: start() before init()");
    started_ = true;
    sequence_ = 0;
    return {};
}

void PatternCamera::drawCounter(uint64_t sequence) noexcept {
    // 16 blocks along the bottom-left edge, white for a set bit of the sequence number.
    uint32_t block = std::max<uint32_t>(8, info_.width / 64) & ~1u;
    FrameWriter writer(view_, frame_.get());
    for (uint32_t bit = 0; bit < 16; ++bit) {
        Rgb c = (sequence >> bit) & 1 ? Rgb{255, 255, 255} : Rgb{0, 0, 0};
        uint32_t x0 = bit * block, y0 = info_.height - block;
        if (x0 + block > info_.width) break;
        for (uint32_t y = y0; y < y0 + block; y += 2)
            for (uint32_t x = x0; x < x0 + block; x += 2)
                writer.put2x2(x, y, c, c, c, c);
    }
}

Result<FrameView> PatternCamera::capture(int /*timeoutMs*/) {
    if (!started_) return fail(Errc::Internal, "pattern: capture() before start()");
    if (lent_) return fail(Errc::CameraBusy, "pattern: release the previous frame first");
    drawCounter(sequence_);
    view_.sequence = sequence_++;
    view_.timestampUs = monotonicUs();
    lent_ = true;
    return view_;
}

void PatternCamera::release(const FrameView& /*frame*/) {
    lent_ = false;
}

void PatternCamera::stop() {
    started_ = false;
    lent_ = false;
}

}  // namespace snapstage::hal
