// SPDX-License-Identifier: MIT
// Planar YUV helpers. Plain loops the compiler vectorises; each reads its source once.
#include "firmware/image/planar.h"

namespace snapstage::image {
namespace {

uint8_t avg2(unsigned a, unsigned b) noexcept {
    return static_cast<uint8_t>((a + b + 1) >> 1);
}

}  // namespace

void splitNv12Chroma(const uint8_t* uv, size_t uvStride, uint32_t cw, uint32_t ch, uint8_t* u,
                     uint8_t* v) noexcept {
    for (uint32_t row = 0; row < ch; ++row) {
        const uint8_t* s = uv + row * uvStride;
        uint8_t* du = u + size_t{row} * cw;
        uint8_t* dv = v + size_t{row} * cw;
        for (uint32_t x = 0; x < cw; ++x) {
            du[x] = s[2 * x];
            dv[x] = s[2 * x + 1];
        }
    }
}

void deinterleaveYuyv(const uint8_t* src, size_t stride, uint32_t width, uint32_t height,
                      bool to420, const YuvPlanesOut& out) noexcept {
    const uint32_t cw = width / 2;
    for (uint32_t row = 0; row < height; ++row) {
        const uint8_t* s = src + row * stride;
        uint8_t* y = out.y + size_t{row} * width;
        for (uint32_t x = 0; x < width; ++x)
            y[x] = s[2 * x];
        if (!out.u) continue;
        if (!to420) {
            uint8_t* u = out.u + size_t{row} * cw;
            uint8_t* v = out.v + size_t{row} * cw;
            for (uint32_t x = 0; x < cw; ++x) {
                u[x] = s[4 * x + 1];
                v[x] = s[4 * x + 3];
            }
        } else if (row % 2 == 0) {
            // The chroma of this row and the next (or this one again at an odd last row).
            const uint8_t* n = row + 1 < height ? s + stride : s;
            uint8_t* u = out.u + size_t{row / 2} * cw;
            uint8_t* v = out.v + size_t{row / 2} * cw;
            for (uint32_t x = 0; x < cw; ++x) {
                u[x] = avg2(s[4 * x + 1], n[4 * x + 1]);
                v[x] = avg2(s[4 * x + 3], n[4 * x + 3]);
            }
        }
    }
}

void downsamplePlaneInPlace(uint8_t* plane, uint32_t width, uint32_t height, uint32_t fx,
                            uint32_t fy) noexcept {
    const uint32_t ow = (width + fx - 1) / fx, oh = (height + fy - 1) / fy;
    // Each output sample lands at or before the first input sample it reads, and every later
    // read is further on, so writing over the same buffer never clobbers an unread sample.
    for (uint32_t oy = 0; oy < oh; ++oy) {
        const uint8_t* r0 = plane + size_t{oy * fy} * width;
        const uint8_t* r1 = (fy == 2 && oy * 2 + 1 < height) ? r0 + width : r0;
        uint8_t* d = plane + size_t{oy} * ow;
        for (uint32_t ox = 0; ox < ow; ++ox) {
            const uint32_t x0 = ox * fx;
            const uint32_t x1 = (fx == 2 && x0 + 1 < width) ? x0 + 1 : x0;
            const unsigned sum = unsigned{r0[x0]} + r0[x1] + r1[x0] + r1[x1];
            d[ox] = static_cast<uint8_t>((sum + 2) >> 2);
        }
    }
}

}  // namespace snapstage::image
