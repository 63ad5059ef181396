// SPDX-License-Identifier: MIT
// The preview scaler's libyuv path, and the only file that includes libyuv: scale in the
// camera's own format at the output size (the fewest pixels to convert), then convert strips of
// rows to ARGB with the full-range BT.601 matrix, straight into XRGB8888 rows or through one
// strip for the other layouts. YUYV is scaled as ARGB pixels of two luma samples each (Y0 U Y1 V
// filtered byte by byte), then split to 4:2:2 planes a strip at a time, since this libyuv's
// YUY2ToARGB has no full-range matrix.
#include "firmware/image/preview.h"

#if defined(SNAPSTAGE_HAVE_LIBYUV)
#include <libyuv.h>
#include <libyuv/scale_rgb.h>
#endif

#include <algorithm>

namespace snapstage::image {

#if defined(SNAPSTAGE_HAVE_LIBYUV)

namespace {

constexpr uint32_t kStripRows = 16;  // even: 4:2:0 chroma rows stay whole

#define SNAPSTAGE_STR2(x) #x
#define SNAPSTAGE_STR(x) SNAPSTAGE_STR2(x)

struct Sizes {
    size_t scaled = 0;  // the frame scaled, in its own format
    size_t argb = 0;    // one strip of ARGB
    size_t planar = 0;  // one strip of 4:2:2 planes (YUYV)
};

Sizes sizesOf(PixelFormat format, uint32_t w, uint32_t h) noexcept {
    const size_t cw = (w + 1) / 2, ch = (h + 1) / 2;
    Sizes s;
    switch (format) {
        case PixelFormat::I420:
        case PixelFormat::Nv12:
            s.scaled = size_t{w} * h + 2 * cw * ch;
            break;
        case PixelFormat::Yuyv:
            s.scaled = cw * 4 * h;
            s.planar = kStripRows * (w + 2 * cw);
            break;
        default:
            s.scaled = size_t{w} * h * 3;
            break;
    }
    s.argb = size_t{kStripRows} * w * 4;
    return s;
}

const uint8_t* bytes(const Plane& p) noexcept {
    return reinterpret_cast<const uint8_t*>(p.data.data());
}

int stride(const Plane& p) noexcept {
    return static_cast<int>(p.strideBytes);
}

// The frame scaled to w x h in its own format, tightly packed at `dst`; its view in `out`.
// Returns libyuv's 0 or -1.
int scale(const ImageView& f, uint32_t w32, uint32_t h32, uint8_t* dst, ImageView& out) noexcept {
    const int w = static_cast<int>(w32), h = static_cast<int>(h32), cw = (w + 1) / 2,
              ch = (h + 1) / 2, sw = static_cast<int>(f.width), sh = static_cast<int>(f.height);
    const auto& p = f.planes;
    out = ImageView{};
    out.format = f.format;
    out.width = w32;
    out.height = h32;
    auto plane = [&](size_t offset, int strideBytes, int rows) {
        const size_t n = static_cast<size_t>(strideBytes) * static_cast<size_t>(rows);
        return Plane{{reinterpret_cast<const std::byte*>(dst + offset), n},
                     static_cast<uint32_t>(strideBytes)};
    };
    const size_t luma = size_t{w32} * h32,
                 chroma = static_cast<size_t>(cw) * static_cast<size_t>(ch);
    switch (f.format) {
        case PixelFormat::I420:
            out.planes = {plane(0, w, h), plane(luma, cw, ch), plane(luma + chroma, cw, ch)};
            return libyuv::I420Scale(bytes(p[0]), stride(p[0]), bytes(p[1]), stride(p[1]),
                                     bytes(p[2]), stride(p[2]), sw, sh, dst, w, dst + luma, cw,
                                     dst + luma + chroma, cw, w, h, libyuv::kFilterBox);
        case PixelFormat::Nv12:
            out.planes = {plane(0, w, h), plane(luma, 2 * cw, ch), Plane{}};
            return libyuv::NV12Scale(bytes(p[0]), stride(p[0]), bytes(p[1]), stride(p[1]), sw, sh,
                                     dst, w, dst + luma, 2 * cw, w, h, libyuv::kFilterBilinear);
        case PixelFormat::Yuyv:
            out.planes = {plane(0, 4 * cw, h), Plane{}, Plane{}};
            return libyuv::ARGBScale(bytes(p[0]), stride(p[0]), (sw + 1) / 2, sh, dst, 4 * cw, cw,
                                     h, libyuv::kFilterBilinear);
        default:
            out.planes = {plane(0, 3 * w, h), Plane{}, Plane{}};
            return libyuv::RGBScale(bytes(p[0]), stride(p[0]), sw, sh, dst, 3 * w, w, h,
                                    libyuv::kFilterBilinear);
    }
}

// Rows [y0, y0 + n) of `v` (the frame at the output size) as ARGB at `argb`. y0 is even.
int toArgb(const ImageView& v, uint32_t y0, uint32_t n, uint8_t* planar, uint8_t* argb,
           int argbStride) noexcept {
    const int w = static_cast<int>(v.width), cw = (w + 1) / 2, rows = static_cast<int>(n);
    const auto& p = v.planes;
    auto row = [&](size_t i, uint32_t y) { return bytes(p[i]) + size_t{y} * p[i].strideBytes; };
    const libyuv::YuvConstants* jpeg = &libyuv::kYuvJPEGConstants;
    switch (v.format) {
        case PixelFormat::I420:
            return libyuv::I420ToARGBMatrix(row(0, y0), stride(p[0]), row(1, y0 / 2), stride(p[1]),
                                            row(2, y0 / 2), stride(p[2]), argb, argbStride, jpeg, w,
                                            rows);
        case PixelFormat::Nv12:
            return libyuv::NV12ToARGBMatrix(row(0, y0), stride(p[0]), row(1, y0 / 2), stride(p[1]),
                                            argb, argbStride, jpeg, w, rows);
        case PixelFormat::Yuyv: {
            uint8_t* py = planar;
            uint8_t* pu = planar + size_t{kStripRows} * v.width;
            uint8_t* pv = pu + size_t{kStripRows} * ((v.width + 1) / 2);
            if (libyuv::YUY2ToI422(row(0, y0), stride(p[0]), py, w, pu, cw, pv, cw, w, rows))
                return -1;
            return libyuv::I422ToARGBMatrix(py, w, pu, cw, pv, cw, argb, argbStride, jpeg, w, rows);
        }
        case PixelFormat::Rgb24:  // R, G, B bytes: libyuv's RAW
            return libyuv::RAWToARGB(row(0, y0), stride(p[0]), argb, argbStride, w, rows);
        default:  // B, G, R bytes: libyuv's RGB24
            return libyuv::RGB24ToARGB(row(0, y0), stride(p[0]), argb, argbStride, w, rows);
    }
}

}  // namespace

bool haveLibyuv() noexcept {
    return true;
}

const char* libyuvVersion() noexcept {
    return "libyuv " SNAPSTAGE_STR(LIBYUV_VERSION);
}

size_t libyuvScratchBytes(PixelFormat format, uint32_t width, uint32_t height) noexcept {
    const Sizes s = sizesOf(format, width, height);
    return s.scaled + s.argb + s.planar;
}

Status PreviewScaler::drawLibyuv(const ImageView& frame, const RgbRows& out) noexcept {
    const uint32_t w = out.width, h = out.height;
    const Sizes s = sizesOf(frame.format, w, h);
    uint8_t* strip = scratch_.get() + s.scaled;
    uint8_t* planar = strip + s.argb;
    // At the frame's own size there is nothing to scale: rows convert straight from the frame.
    ImageView scaled = frame;
    if ((w != frame.width || h != frame.height) && scale(frame, w, h, scratch_.get(), scaled) != 0)
        return failf(Errc::Internal, 0, "libyuv could not scale a %ux%u %s frame to %ux%u",
                     frame.width, frame.height, to_string(frame.format), w, h);
    const int outStride = static_cast<int>(out.strideBytes);
    for (uint32_t y = 0; y < h; y += kStripRows) {
        const uint32_t n = std::min(kStripRows, h - y);
        uint8_t* rows = out.pixels + size_t{y} * out.strideBytes;
        const bool direct = out.layout == RgbLayout::Xrgb8888;
        int r = toArgb(scaled, y, n, planar, direct ? rows : strip,
                       direct ? outStride : static_cast<int>(4 * w));
        if (r == 0 && out.layout == RgbLayout::Xbgr8888)
            r = libyuv::ARGBToABGR(strip, static_cast<int>(4 * w), rows, outStride,
                                   static_cast<int>(w), static_cast<int>(n));
        else if (r == 0 && out.layout == RgbLayout::Rgb565)
            r = libyuv::ARGBToRGB565(strip, static_cast<int>(4 * w), rows, outStride,
                                     static_cast<int>(w), static_cast<int>(n));
        if (r != 0)
            return failf(Errc::Internal, 0, "libyuv could not convert %s rows to RGB",
                         to_string(frame.format));
    }
    return okStatus();
}

#else  // no libyuv in this build

bool haveLibyuv() noexcept {
    return false;
}

const char* libyuvVersion() noexcept {
    return "";
}

size_t libyuvScratchBytes(PixelFormat, uint32_t, uint32_t) noexcept {
    return 0;
}

Status PreviewScaler::drawLibyuv(const ImageView&, const RgbRows&) noexcept {
    return fail(Errc::NotSupported, "this build has no libyuv");
}

#endif

}  // namespace snapstage::image
