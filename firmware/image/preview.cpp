// SPDX-License-Identifier: MIT
// The preview scaler: checks, letterboxing, and the project's own portable rows (the libyuv
// path is in preview_libyuv.cpp).
#include "firmware/image/preview.h"

#include <algorithm>
#include <new>

namespace snapstage::image {
namespace {

constexpr uint32_t kMaxSide = 16384;

uint8_t clamp8(int v) noexcept {
    return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

// BT.601 full range (JFIF) in 16.16 fixed point.
struct Rgb {
    int r, g, b;
};
inline Rgb fromYuv(int y, int u, int v) noexcept {
    const int d = u - 128, e = v - 128;
    return {y + ((91881 * e + 32768) >> 16), y - ((22554 * d + 46802 * e - 32768) >> 16),
            y + ((116130 * d + 32768) >> 16)};
}

template <RgbLayout L>
inline void store(uint8_t* p, Rgb c) noexcept {
    const uint8_t r = clamp8(c.r), g = clamp8(c.g), b = clamp8(c.b);
    if constexpr (L == RgbLayout::Rgb565) {
        const auto v = static_cast<uint16_t>((r >> 3) << 11 | (g >> 2) << 5 | (b >> 3));
        p[0] = static_cast<uint8_t>(v);
        p[1] = static_cast<uint8_t>(v >> 8);
    } else {
        p[0] = L == RgbLayout::Xrgb8888 ? b : r;
        p[1] = g;
        p[2] = L == RgbLayout::Xrgb8888 ? r : b;
        p[3] = 0xff;
    }
}

const uint8_t* bytes(const Plane& p) noexcept {
    return reinterpret_cast<const uint8_t*>(p.data.data());
}

// Point sampling at the centre of each output pixel: source column of output x is
// floor((x + 0.5) * srcWidth / outWidth), in 16.16 fixed point.
template <PixelFormat F, RgbLayout L>
void rows(const ImageView& f, const RgbRows& out) noexcept {
    constexpr uint32_t kOutBytes = L == RgbLayout::Rgb565 ? 2 : 4;
    const uint32_t step = (f.width << 16) / out.width;
    const uint8_t* p0 = bytes(f.planes[0]);
    const uint8_t* p1 = bytes(f.planes[1]);
    const uint8_t* p2 = bytes(f.planes[2]);
    for (uint32_t y = 0; y < out.height; ++y) {
        const auto sy = static_cast<uint32_t>((uint64_t{2} * y + 1) * f.height / (2 * out.height));
        const uint8_t* row = p0 + size_t{sy} * f.planes[0].strideBytes;
        const uint8_t* c1 = p1 ? p1 + size_t{sy / 2} * f.planes[1].strideBytes : nullptr;
        const uint8_t* c2 = p2 ? p2 + size_t{sy / 2} * f.planes[2].strideBytes : nullptr;
        uint8_t* d = out.pixels + size_t{y} * out.strideBytes;
        uint32_t pos = step / 2;
        for (uint32_t x = 0; x < out.width; ++x, pos += step, d += kOutBytes) {
            const uint32_t sx = pos >> 16;
            Rgb c{};
            if constexpr (F == PixelFormat::Yuyv) {
                const uint8_t* m = row + size_t{sx & ~1u} * 2;
                c = fromYuv(row[2 * sx], m[1], m[3]);
            } else if constexpr (F == PixelFormat::Nv12) {
                const uint8_t* uv = c1 + (sx & ~1u);
                c = fromYuv(row[sx], uv[0], uv[1]);
            } else if constexpr (F == PixelFormat::I420) {
                c = fromYuv(row[sx], c1[sx / 2], c2[sx / 2]);
            } else if constexpr (F == PixelFormat::Rgb24) {
                c = {row[3 * sx], row[3 * sx + 1], row[3 * sx + 2]};
            } else {
                c = {row[3 * sx + 2], row[3 * sx + 1], row[3 * sx]};
            }
            store<L>(d, c);
        }
    }
}

template <PixelFormat F>
void rowsFor(const ImageView& f, const RgbRows& out) noexcept {
    switch (out.layout) {
        case RgbLayout::Xrgb8888:
            return rows<F, RgbLayout::Xrgb8888>(f, out);
        case RgbLayout::Xbgr8888:
            return rows<F, RgbLayout::Xbgr8888>(f, out);
        case RgbLayout::Rgb565:
            return rows<F, RgbLayout::Rgb565>(f, out);
    }
}

// A plane of `rows` rows of at least `rowBytes` bytes each.
bool holds(const Plane& p, uint64_t rowBytes, uint32_t rows) noexcept {
    return p.data.data() && p.strideBytes >= rowBytes &&
           p.data.size() >= uint64_t{p.strideBytes} * (rows - 1) + rowBytes;
}

bool convertible(PixelFormat f) noexcept {
    return f == PixelFormat::Yuyv || f == PixelFormat::Nv12 || f == PixelFormat::I420 ||
           f == PixelFormat::Rgb24 || f == PixelFormat::Bgr24;
}

// The frame's planes hold what its format and size need.
bool wholeFrame(const ImageView& f) noexcept {
    if (f.width == 0 || f.height == 0 || f.width > kMaxSide || f.height > kMaxSide) return false;
    const uint32_t cw = (f.width + 1) / 2, ch = (f.height + 1) / 2;
    switch (f.format) {
        case PixelFormat::Yuyv:
            return holds(f.planes[0], uint64_t{cw} * 4, f.height);
        case PixelFormat::Nv12:
            return holds(f.planes[0], f.width, f.height) &&
                   holds(f.planes[1], uint64_t{cw} * 2, ch);
        case PixelFormat::I420:
            return holds(f.planes[0], f.width, f.height) && holds(f.planes[1], cw, ch) &&
                   holds(f.planes[2], cw, ch);
        case PixelFormat::Rgb24:
        case PixelFormat::Bgr24:
            return holds(f.planes[0], uint64_t{f.width} * 3, f.height);
        default:
            return false;
    }
}

}  // namespace

// Bytes the libyuv path needs for frames of `format` drawn `width` x `height` (libyuv file).
size_t libyuvScratchBytes(PixelFormat format, uint32_t width, uint32_t height) noexcept;

const char* to_string(ScalePath p) noexcept {
    return p == ScalePath::Libyuv ? "libyuv" : "portable";
}

Letterbox letterbox(uint32_t srcWidth, uint32_t srcHeight, uint32_t boxWidth,
                    uint32_t boxHeight) noexcept {
    if (!srcWidth || !srcHeight || !boxWidth || !boxHeight) return {};
    Letterbox l;
    // Width-bound when src is relatively wider than the box: srcW/srcH >= boxW/boxH.
    if (uint64_t{srcWidth} * boxHeight >= uint64_t{boxWidth} * srcHeight) {
        l.width = boxWidth;
        l.height =
            static_cast<uint32_t>((uint64_t{boxWidth} * srcHeight + srcWidth / 2) / srcWidth);
    } else {
        l.height = boxHeight;
        l.width =
            static_cast<uint32_t>((uint64_t{boxHeight} * srcWidth + srcHeight / 2) / srcHeight);
    }
    l.width = std::clamp<uint32_t>(l.width, 1, boxWidth);
    l.height = std::clamp<uint32_t>(l.height, 1, boxHeight);
    l.x = (boxWidth - l.width) / 2;
    l.y = (boxHeight - l.height) / 2;
    return l;
}

void drawPortable(const ImageView& frame, const RgbRows& out) noexcept {
    switch (frame.format) {
        case PixelFormat::Yuyv:
            return rowsFor<PixelFormat::Yuyv>(frame, out);
        case PixelFormat::Nv12:
            return rowsFor<PixelFormat::Nv12>(frame, out);
        case PixelFormat::I420:
            return rowsFor<PixelFormat::I420>(frame, out);
        case PixelFormat::Rgb24:
            return rowsFor<PixelFormat::Rgb24>(frame, out);
        case PixelFormat::Bgr24:
            return rowsFor<PixelFormat::Bgr24>(frame, out);
        default:
            return;
    }
}

PreviewScaler::PreviewScaler() noexcept = default;
PreviewScaler::~PreviewScaler() = default;

Status PreviewScaler::init(PixelFormat format, uint32_t maxWidth, uint32_t maxHeight,
                           ScalePath path) noexcept {
    if (!convertible(format))
        return failf(Errc::NotSupported, 0,
                     "the preview converts yuyv, nv12, i420, rgb24 and bgr24 frames, not %s",
                     to_string(format));
    if (!maxWidth || !maxHeight || maxWidth > kMaxSide || maxHeight > kMaxSide)
        return failf(Errc::InvalidArgument, 0, "preview size %ux%u out of range", maxWidth,
                     maxHeight);
    if (path == ScalePath::Libyuv && !haveLibyuv())
        return fail(Errc::NotSupported,
                    "this build has no libyuv (install libyuv-dev and build again)");
    format_ = format;
    maxWidth_ = maxWidth;
    maxHeight_ = maxHeight;
    path_ = path;
    scratch_.reset();
    scratchBytes_ = path == ScalePath::Libyuv ? libyuvScratchBytes(format, maxWidth, maxHeight) : 0;
    if (scratchBytes_) {
        scratch_.reset(new (std::nothrow) uint8_t[scratchBytes_]);
        if (!scratch_)
            return failf(Errc::NoMemory, 0, "no memory for the preview's %zu-byte scratch",
                         scratchBytes_);
    }
    return okStatus();
}

Status PreviewScaler::draw(const ImageView& frame, const RgbRows& out) noexcept {
    if (format_ == PixelFormat::Unknown) return fail(Errc::Internal, "preview used before init");
    if (!wholeFrame(frame))
        return failf(Errc::InvalidArgument, 0, "a %ux%u %s frame with short planes", frame.width,
                     frame.height, to_string(frame.format));
    const uint32_t bpp = out.layout == RgbLayout::Rgb565 ? 2 : 4;
    if (!out.pixels || !out.width || !out.height || out.width > maxWidth_ ||
        out.height > maxHeight_ || out.strideBytes < out.width * bpp)
        return failf(Errc::InvalidArgument, 0, "preview output %ux%u does not fit %ux%u", out.width,
                     out.height, maxWidth_, maxHeight_);
    if (path_ == ScalePath::Libyuv &&
        libyuvScratchBytes(frame.format, out.width, out.height) > scratchBytes_)
        return failf(Errc::InvalidArgument, 0, "preview set up for %s frames, given %s",
                     to_string(format_), to_string(frame.format));
    if (path_ == ScalePath::Libyuv) return drawLibyuv(frame, out);
    drawPortable(frame, out);
    return okStatus();
}

}  // namespace snapstage::image
