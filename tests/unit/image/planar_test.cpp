// SPDX-License-Identifier: MIT
// Tests of the planar YUV helpers on small hand-made planes.
#include "firmware/image/planar.h"

#include <gtest/gtest.h>

#include <vector>

namespace snapstage::image {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(Planar, SplitsNv12ChromaHonouringTheStride) {
    // Given 2 rows of 2 UV pairs, rows 6 bytes apart (2 bytes of padding)
    const Bytes uv = {1, 2, 3, 4, 99, 99, 5, 6, 7, 8, 99, 99};
    Bytes u(4), v(4);
    // When split
    splitNv12Chroma(uv.data(), 6, 2, 2, u.data(), v.data());
    // Then U and V are packed, padding skipped
    EXPECT_EQ(u, (Bytes{1, 3, 5, 7}));
    EXPECT_EQ(v, (Bytes{2, 4, 6, 8}));
}

TEST(Planar, DeinterleavesYuyvTo422And420) {
    // Given 4x3 YUYV (odd height), Y = 10.., U = 100.., V = 200..
    const Bytes yuyv = {10, 100, 11, 200, 12, 101, 13, 201,   //
                        20, 110, 21, 210, 22, 111, 23, 211,   //
                        30, 121, 31, 221, 32, 122, 33, 222};  //
    Bytes y(12), u(6), v(6);
    // When deinterleaved to 4:2:2
    deinterleaveYuyv(yuyv.data(), 8, 4, 3, false, {y.data(), u.data(), v.data()});
    // Then the planes hold each row's samples
    EXPECT_EQ(y, (Bytes{10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33}));
    EXPECT_EQ(u, (Bytes{100, 101, 110, 111, 121, 122}));
    EXPECT_EQ(v, (Bytes{200, 201, 210, 211, 221, 222}));
    // When deinterleaved to 4:2:0
    Bytes u2(4), v2(4);
    deinterleaveYuyv(yuyv.data(), 8, 4, 3, true, {y.data(), u2.data(), v2.data()});
    // Then row pairs are averaged (rounding up) and the odd last row stands alone
    EXPECT_EQ(u2, (Bytes{105, 106, 121, 122}));
    EXPECT_EQ(v2, (Bytes{205, 206, 221, 222}));
}

TEST(Planar, ExtractsLumaAloneWhenChromaIsNotWanted) {
    const Bytes yuyv = {1, 50, 2, 60, 3, 70, 4, 80};
    Bytes y(4);
    deinterleaveYuyv(yuyv.data(), 8, 4, 1, false, {y.data(), nullptr, nullptr});
    EXPECT_EQ(y, (Bytes{1, 2, 3, 4}));
}

TEST(Planar, WideRowsMatchAPlainLoop) {
    // Given rows wide enough for the SIMD kernels plus a tail, and padded strides
    const uint32_t w = 70, h = 5, stride = 2 * w + 6, cw = w / 2;
    Bytes yuyv(size_t{stride} * h);
    for (size_t i = 0; i < yuyv.size(); ++i)
        yuyv[i] = static_cast<uint8_t>((i * 37 + i / 7) & 0xFF);
    // When deinterleaved to 4:2:2 and 4:2:0, and its chroma split as if it were NV12
    Bytes y(size_t{w} * h), u(size_t{cw} * h), v(size_t{cw} * h);
    deinterleaveYuyv(yuyv.data(), stride, w, h, false, {y.data(), u.data(), v.data()});
    Bytes y2(size_t{w} * h), u2(size_t{cw} * 3), v2(size_t{cw} * 3);
    deinterleaveYuyv(yuyv.data(), stride, w, h, true, {y2.data(), u2.data(), v2.data()});
    Bytes nu(size_t{w} * h), nv(size_t{w} * h);
    splitNv12Chroma(yuyv.data(), stride, w, h, nu.data(), nv.data());
    // Then every sample equals the plain per-sample definition
    for (uint32_t r = 0; r < h; ++r) {
        const uint8_t* s = &yuyv[size_t{r} * stride];
        const uint8_t* n = &yuyv[size_t{r + 1 < h ? r + 1 : r} * stride];
        for (uint32_t x = 0; x < w; ++x) {
            ASSERT_EQ(y[r * w + x], s[2 * x]) << r << "," << x;
            ASSERT_EQ(y2[r * w + x], s[2 * x]) << r << "," << x;
            ASSERT_EQ(nu[r * w + x], s[2 * x]) << r << "," << x;
            ASSERT_EQ(nv[r * w + x], s[2 * x + 1]) << r << "," << x;
        }
        for (uint32_t x = 0; x < cw; ++x) {
            ASSERT_EQ(u[r * cw + x], s[4 * x + 1]) << r << "," << x;
            ASSERT_EQ(v[r * cw + x], s[4 * x + 3]) << r << "," << x;
            if (r % 2) continue;
            ASSERT_EQ(u2[r / 2 * cw + x], (s[4 * x + 1] + n[4 * x + 1] + 1) / 2) << r << "," << x;
            ASSERT_EQ(v2[r / 2 * cw + x], (s[4 * x + 3] + n[4 * x + 3] + 1) / 2) << r << "," << x;
        }
    }
}

TEST(Planar, DownsamplesInPlaceByEachFactor) {
    struct Case {
        uint32_t w, h, fx, fy;
        Bytes in, out;
    } cases[] = {
        // 2x2 blocks, with odd width and height repeating the edge
        {3, 3, 2, 2, {0, 4, 8, 4, 8, 8, 100, 100, 50}, {4, 8, 100, 50}},
        // horizontal pairs only (4:4:4 -> 4:2:2)
        {4, 2, 2, 1, {0, 1, 10, 20, 7, 7, 255, 254}, {1, 15, 7, 255}},
        // vertical pairs only (4:4:0 -> 4:2:0 needs 2x1; 4:4:4 -> 4:4:0 is 1x2)
        {2, 3, 1, 2, {0, 10, 2, 20, 9, 9}, {1, 15, 9, 9}},
    };
    for (auto& c : cases) {
        Bytes plane = c.in;
        downsamplePlaneInPlace(plane.data(), c.w, c.h, c.fx, c.fy);
        plane.resize(c.out.size());
        EXPECT_EQ(plane, c.out) << c.w << "x" << c.h << " by " << c.fx << "x" << c.fy;
    }
}

TEST(Planar, CopyPaddedRepeatsTheLastColumnAndRow) {
    struct Case {
        uint32_t w, h, stride, pw, ph;
        Bytes in, out;
    } cases[] = {
        {1, 1, 1, 2, 2, {7}, {7, 7, 7, 7}},                             // one pixel, 4:2:0
        {3, 1, 4, 4, 2, {1, 2, 3, 99}, {1, 2, 3, 3, 1, 2, 3, 3}},       // stride past the row
        {2, 3, 2, 2, 4, {1, 2, 3, 4, 5, 6}, {1, 2, 3, 4, 5, 6, 5, 6}},  // odd height only
    };
    for (auto& c : cases) {
        Bytes out(size_t{c.pw} * c.ph, 0);
        copyPadded(c.in.data(), c.stride, c.w, c.h, out.data(), c.pw, c.ph);
        EXPECT_EQ(out, c.out) << c.w << "x" << c.h << " to " << c.pw << "x" << c.ph;
    }
}

}  // namespace
}  // namespace snapstage::image
