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

// The frame scaled to w x h in its own format into `dst`. Returns libyuv's 0 or -1.
int scale(const ImageView& f, uint32_t w32, uint32_t h32, uint8_t* dst) noexcept {
    const int w = static_cast<int>(w32), h = static_cast<int>(h32), cw = (w + 1) / 2,
              ch = (h + 1) / 2, sw = static_cast<int>(f.width), sh = static_cast<int>(f.height);
    const auto& p = f.planes;
    switch (f.format) {
        case PixelFormat::I420:
            return libyuv::I420Scale(bytes(p[0]), stride(p[0]), bytes(p[1]), stride(p[1]),
                                     bytes(p[2]), stride(p[2]), sw, sh, dst, w, dst + w * h, cw,
                                     dst + w * h + cw * ch, cw, w, h, libyuv::kFilterBox);
        case PixelFormat::Nv12:
            return libyuv::NV12Scale(bytes(p[0]), stride(p[0]), bytes(p[1]), stride(p[1]), sw, sh,
                                     dst, w, dst + w * h, 2 * cw, w, h, libyuv::kFilterBilinear);
        case PixelFormat::Yuyv:
            return libyuv::ARGBScale(bytes(p[0]), stride(p[0]), (sw + 1) / 2, sh, dst, 4 * cw, cw,
                                     h, libyuv::kFilterBilinear);
        default:
            return libyuv::RGBScale(bytes(p[0]), stride(p[0]), sw, sh, dst, 3 * w, w, h,
                                    libyuv::kFilterBilinear);
    }
}

// Rows [y0, y0 + n) of the scaled frame (w x h at `scaled`) as ARGB at `argb`. y0 is even.
int toArgb(PixelFormat format, const uint8_t* scaled, uint32_t w32, uint32_t h32, uint32_t y0,
           uint32_t n, uint8_t* planar, uint8_t* argb, int argbStride) noexcept {
    const int w = static_cast<int>(w32), h = static_cast<int>(h32), cw = (w + 1) / 2,
              ch = (h + 1) / 2, y = static_cast<int>(y0), rows = static_cast<int>(n);
    const libyuv::YuvConstants* jpeg = &libyuv::kYuvJPEGConstants;
    switch (format) {
        case PixelFormat::I420: {
            const uint8_t* u = scaled + w * h + (y / 2) * cw;
            return libyuv::I420ToARGBMatrix(scaled + y * w, w, u, cw, u + cw * ch, cw, argb,
                                            argbStride, jpeg, w, rows);
        }
        case PixelFormat::Nv12:
            return libyuv::NV12ToARGBMatrix(scaled + y * w, w, scaled + w * h + (y / 2) * 2 * cw,
                                            2 * cw, argb, argbStride, jpeg, w, rows);
        case PixelFormat::Yuyv: {
            uint8_t* py = planar;
            uint8_t* pu = planar + size_t{kStripRows} * w32;
            uint8_t* pv = pu + size_t{kStripRows} * ((w32 + 1) / 2);
            if (libyuv::YUY2ToI422(scaled + y * 4 * cw, 4 * cw, py, w, pu, cw, pv, cw, w, rows))
                return -1;
            return libyuv::I422ToARGBMatrix(py, w, pu, cw, pv, cw, argb, argbStride, jpeg, w, rows);
        }
        case PixelFormat::Rgb24:  // R, G, B bytes: libyuv's RAW
            return libyuv::RAWToARGB(scaled + y * 3 * w, 3 * w, argb, argbStride, w, rows);
        default:  // B, G, R bytes: libyuv's RGB24
            return libyuv::RGB24ToARGB(scaled + y * 3 * w, 3 * w, argb, argbStride, w, rows);
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
    uint8_t* scaled = scratch_.get();
    uint8_t* strip = scaled + s.scaled;
    uint8_t* planar = strip + s.argb;
    if (scale(frame, w, h, scaled) != 0)
        return failf(Errc::Internal, 0, "libyuv could not scale a %ux%u %s frame to %ux%u",
                     frame.width, frame.height, to_string(frame.format), w, h);
    const int outStride = static_cast<int>(out.strideBytes);
    for (uint32_t y = 0; y < h; y += kStripRows) {
        const uint32_t n = std::min(kStripRows, h - y);
        uint8_t* rows = out.pixels + size_t{y} * out.strideBytes;
        const bool direct = out.layout == RgbLayout::Xrgb8888;
        int r = toArgb(frame.format, scaled, w, h, y, n, planar, direct ? rows : strip,
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
