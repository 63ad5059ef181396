// SPDX-License-Identifier: MIT
// Planar YUV helpers. The row kernels have SSE2 (x86-64) and NEON (aarch64) bodies for 32
// pixels at a time and a scalar tail; other targets (armhf without NEON) run the scalar loop.
#include "firmware/image/planar.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

namespace snapstage::image {
namespace {

uint8_t avg2(unsigned a, unsigned b) noexcept {
    return static_cast<uint8_t>((a + b + 1) >> 1);  // as _mm_avg_epu8 and vrhadd round
}

#if defined(__SSE2__)
// Even bytes of 32 bytes (as 16) and odd bytes (as 16).
inline void splitEvenOdd(__m128i a, __m128i b, __m128i& even, __m128i& odd) noexcept {
    const __m128i lo = _mm_set1_epi16(0x00FF);
    even = _mm_packus_epi16(_mm_and_si128(a, lo), _mm_and_si128(b, lo));
    odd = _mm_packus_epi16(_mm_srli_epi16(a, 8), _mm_srli_epi16(b, 8));
}
inline __m128i load(const uint8_t* p) noexcept {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
inline void store(uint8_t* p, __m128i v) noexcept {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
}
// 32 YUYV pixels (64 bytes): 32 luma into y, 16 interleaved UV pairs as two 16-byte vectors.
inline void yuyv32(const uint8_t* s, uint8_t* y, __m128i& uv0, __m128i& uv1) noexcept {
    __m128i y0, y1;
    splitEvenOdd(load(s), load(s + 16), y0, uv0);
    splitEvenOdd(load(s + 32), load(s + 48), y1, uv1);
    store(y, y0);
    store(y + 16, y1);
}
#endif

// One row of NV12 chroma: cw UV pairs into U and V.
void uvRow(const uint8_t* s, uint32_t cw, uint8_t* u, uint8_t* v) noexcept {
    uint32_t x = 0;
#if defined(__SSE2__)
    for (; x + 16 <= cw; x += 16) {
        __m128i even, odd;
        splitEvenOdd(load(s + 2 * x), load(s + 2 * x + 16), even, odd);
        store(u + x, even);
        store(v + x, odd);
    }
#elif defined(__ARM_NEON)
    for (; x + 16 <= cw; x += 16) {
        const uint8x16x2_t uv = vld2q_u8(s + 2 * x);
        vst1q_u8(u + x, uv.val[0]);
        vst1q_u8(v + x, uv.val[1]);
    }
#endif
    for (; x < cw; ++x) {
        u[x] = s[2 * x];
        v[x] = s[2 * x + 1];
    }
}

// One YUYV row (w even) to luma, and 4:2:2 chroma when u is set.
void yuyvRow(const uint8_t* s, uint32_t w, uint8_t* y, uint8_t* u, uint8_t* v) noexcept {
    uint32_t x = 0;
#if defined(__SSE2__)
    for (; x + 32 <= w; x += 32) {
        __m128i uv0, uv1, cu, cv;
        yuyv32(s + 2 * x, y + x, uv0, uv1);
        if (!u) continue;
        splitEvenOdd(uv0, uv1, cu, cv);
        store(u + x / 2, cu);
        store(v + x / 2, cv);
    }
#elif defined(__ARM_NEON)
    for (; x + 32 <= w; x += 32) {
        const uint8x16x4_t p = vld4q_u8(s + 2 * x);  // Y0s, Us, Y1s, Vs
        vst2q_u8(y + x, uint8x16x2_t{{p.val[0], p.val[2]}});
        if (!u) continue;
        vst1q_u8(u + x / 2, p.val[1]);
        vst1q_u8(v + x / 2, p.val[3]);
    }
#endif
    for (; x < w; x += 2) {
        y[x] = s[2 * x];
        y[x + 1] = s[2 * x + 2];
        if (!u) continue;
        u[x / 2] = s[2 * x + 1];
        v[x / 2] = s[2 * x + 3];
    }
}

// Two YUYV rows to their luma and one row of 4:2:0 chroma (the rows' average).
void yuyvRowPair(const uint8_t* s0, const uint8_t* s1, uint32_t w, uint8_t* y0, uint8_t* y1,
                 uint8_t* u, uint8_t* v) noexcept {
    uint32_t x = 0;
#if defined(__SSE2__)
    for (; x + 32 <= w; x += 32) {
        __m128i a0, a1, b0, b1, cu, cv;
        yuyv32(s0 + 2 * x, y0 + x, a0, a1);
        yuyv32(s1 + 2 * x, y1 + x, b0, b1);
        splitEvenOdd(_mm_avg_epu8(a0, b0), _mm_avg_epu8(a1, b1), cu, cv);
        store(u + x / 2, cu);
        store(v + x / 2, cv);
    }
#elif defined(__ARM_NEON)
    for (; x + 32 <= w; x += 32) {
        const uint8x16x4_t p = vld4q_u8(s0 + 2 * x);
        const uint8x16x4_t q = vld4q_u8(s1 + 2 * x);
        vst2q_u8(y0 + x, uint8x16x2_t{{p.val[0], p.val[2]}});
        vst2q_u8(y1 + x, uint8x16x2_t{{q.val[0], q.val[2]}});
        vst1q_u8(u + x / 2, vrhaddq_u8(p.val[1], q.val[1]));
        vst1q_u8(v + x / 2, vrhaddq_u8(p.val[3], q.val[3]));
    }
#endif
    for (; x < w; x += 2) {
        y0[x] = s0[2 * x];
        y0[x + 1] = s0[2 * x + 2];
        y1[x] = s1[2 * x];
        y1[x + 1] = s1[2 * x + 2];
        u[x / 2] = avg2(s0[2 * x + 1], s1[2 * x + 1]);
        v[x / 2] = avg2(s0[2 * x + 3], s1[2 * x + 3]);
    }
}

}  // namespace

void splitNv12Chroma(const uint8_t* uv, size_t uvStride, uint32_t cw, uint32_t ch, uint8_t* u,
                     uint8_t* v) noexcept {
    for (uint32_t row = 0; row < ch; ++row)
        uvRow(uv + row * uvStride, cw, u + size_t{row} * cw, v + size_t{row} * cw);
}

void deinterleaveYuyv(const uint8_t* src, size_t stride, uint32_t width, uint32_t height,
                      bool to420, const YuvPlanesOut& out) noexcept {
    const uint32_t cw = width / 2;
    if (!to420 || !out.u) {
        for (uint32_t row = 0; row < height; ++row) {
            const size_t c = size_t{row} * cw;
            yuyvRow(src + row * stride, width, out.y + size_t{row} * width,
                    out.u ? out.u + c : nullptr, out.v ? out.v + c : nullptr);
        }
        return;
    }
    // Row pairs share a chroma row; an odd last row pairs with itself.
    for (uint32_t row = 0; row < height; row += 2) {
        const uint32_t next = row + 1 < height ? row + 1 : row;
        const size_t c = size_t{row / 2} * cw;
        yuyvRowPair(src + row * stride, src + next * stride, width, out.y + size_t{row} * width,
                    out.y + size_t{next} * width, out.u + c, out.v + c);
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

void copyPadded(const uint8_t* src, size_t stride, uint32_t width, uint32_t height, uint8_t* dst,
                uint32_t paddedWidth, uint32_t paddedHeight) noexcept {
    for (uint32_t row = 0; row < paddedHeight; ++row) {
        uint8_t* d = dst + size_t{row} * paddedWidth;
        if (row >= height) {
            std::memcpy(d, d - paddedWidth, paddedWidth);
            continue;
        }
        std::memcpy(d, src + row * stride, width);
        for (uint32_t x = width; x < paddedWidth; ++x)
            d[x] = d[width - 1];
    }
}

}  // namespace snapstage::image
