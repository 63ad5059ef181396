// SPDX-License-Identifier: MIT
// Frame layout and RGB-to-YUV conversion for the simulated cameras.
#include "hal/sim/pixel_convert.h"

namespace snapstage::hal {
namespace {

uint8_t clamp8(int v) {
    return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}
// JFIF (BT.601 full range) in 16.16 fixed point.
uint8_t lumaOf(Rgb p) {
    return clamp8((19595 * p.r + 38470 * p.g + 7471 * p.b + 32768) >> 16);
}
uint8_t cbOf(int r, int g, int b) {
    return clamp8(((-11059 * r - 21709 * g + 32768 * b) >> 16) + 128);
}
uint8_t crOf(int r, int g, int b) {
    return clamp8(((32768 * r - 27439 * g - 5329 * b) >> 16) + 128);
}

}  // namespace

FrameView layoutFrame(PixelFormat format, uint32_t width, uint32_t height, std::byte* base,
                      size_t& sizeBytes) noexcept {
    FrameView v;
    v.format = format;
    v.width = width;
    v.height = height;
    size_t luma = static_cast<size_t>(width) * height;
    auto plane = [&](size_t offset, size_t len, uint32_t stride) {
        return Plane{std::span<const std::byte>(base ? base + offset : nullptr, base ? len : 0),
                     stride};
    };
    switch (format) {
        case PixelFormat::I420:
            sizeBytes = luma * 3 / 2;
            v.planes = {plane(0, luma, width), plane(luma, luma / 4, width / 2),
                        plane(luma * 5 / 4, luma / 4, width / 2)};
            v.planeCount = 3;
            break;
        case PixelFormat::Nv12:
            sizeBytes = luma * 3 / 2;
            v.planes = {plane(0, luma, width), plane(luma, luma / 2, width), Plane{}};
            v.planeCount = 2;
            break;
        case PixelFormat::Yuyv:
            sizeBytes = luma * 2;
            v.planes = {plane(0, luma * 2, width * 2), Plane{}, Plane{}};
            v.planeCount = 1;
            break;
        default:  // Rgb24
            sizeBytes = luma * 3;
            v.planes = {plane(0, luma * 3, width * 3), Plane{}, Plane{}};
            v.planeCount = 1;
            break;
    }
    return v;
}

FrameWriter::FrameWriter(const FrameView& view, std::byte* base) noexcept : format_(view.format) {
    for (int i = 0; i < 3; ++i) {
        const auto& p = view.planes[static_cast<size_t>(i)];
        size_t offset = p.data.data() ? static_cast<size_t>(p.data.data() - base) : 0;
        planes_[i] = reinterpret_cast<uint8_t*>(base + offset);
        strides_[i] = p.strideBytes;
    }
}

void FrameWriter::put2x2(uint32_t x, uint32_t y, Rgb p00, Rgb p10, Rgb p01, Rgb p11) noexcept {
    const Rgb px[4] = {p00, p10, p01, p11};
    if (format_ == PixelFormat::Rgb24) {
        for (uint32_t i = 0; i < 4; ++i) {
            uint8_t* d = planes_[0] + (y + i / 2) * strides_[0] + (x + i % 2) * 3;
            d[0] = px[i].r;
            d[1] = px[i].g;
            d[2] = px[i].b;
        }
        return;
    }
    int r = (p00.r + p10.r + p01.r + p11.r) / 4, g = (p00.g + p10.g + p01.g + p11.g) / 4,
        b = (p00.b + p10.b + p01.b + p11.b) / 4;
    uint8_t cb = cbOf(r, g, b), cr = crOf(r, g, b);
    if (format_ == PixelFormat::Yuyv) {
        for (uint32_t row = 0; row < 2; ++row) {
            uint8_t* d = planes_[0] + (y + row) * strides_[0] + x * 2;
            d[0] = lumaOf(px[row * 2]);
            d[1] = cb;
            d[2] = lumaOf(px[row * 2 + 1]);
            d[3] = cr;
        }
        return;
    }
    for (uint32_t i = 0; i < 4; ++i)
        planes_[0][(y + i / 2) * strides_[0] + x + i % 2] = lumaOf(px[i]);
    if (format_ == PixelFormat::Nv12) {
        uint8_t* uv = planes_[1] + (y / 2) * strides_[1] + x;
        uv[0] = cb;
        uv[1] = cr;
    } else {
        planes_[1][(y / 2) * strides_[1] + x / 2] = cb;
        planes_[2][(y / 2) * strides_[2] + x / 2] = cr;
    }
}

}  // namespace snapstage::hal
