// SPDX-License-Identifier: MIT
// image::PreviewScaler: known colours in every camera format land as the right RGB in every
// display layout, on both paths (libyuv where built, the portable rows always); the pattern
// camera's colour bars keep their places; odd sizes and padded rows are written exactly; the
// letterbox keeps the aspect; bad frames are refused; drawing allocates nothing of ours.
#include "firmware/image/preview.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "hal/sim/pixel_convert.h"
#include "tests/support/alloc_counter.h"
#include "tests/unit/image/image_test_support.h"

namespace snapstage::image {
namespace {

struct Colour {
    uint8_t r, g, b;
};

// A tightly packed frame of one colour (BT.601 full range for the YUV formats).
struct Frame {
    std::vector<std::byte> bytes;
    ImageView view;
};
Frame flatFrame(PixelFormat format, uint32_t w, uint32_t h, Colour c) {
    Frame f;
    size_t size = 0;
    const PixelFormat laid = format == PixelFormat::Bgr24 ? PixelFormat::Rgb24 : format;
    hal::layoutFrame(laid, w, h, nullptr, size);
    f.bytes.resize(size);
    hal::FrameView v = hal::layoutFrame(laid, w, h, f.bytes.data(), size);
    hal::FrameWriter writer(v, f.bytes.data());
    const hal::Rgb p =
        format == PixelFormat::Bgr24 ? hal::Rgb{c.b, c.g, c.r} : hal::Rgb{c.r, c.g, c.b};
    for (uint32_t y = 0; y < h; y += 2)
        for (uint32_t x = 0; x < w; x += 2)
            writer.put2x2(x, y, p, p, p, p);
    f.view = v;
    f.view.format = format;
    return f;
}

Colour pixelAt(const RgbRows& out, uint32_t x, uint32_t y) {
    const uint8_t* p = out.pixels + size_t{y} * out.strideBytes;
    switch (out.layout) {
        case RgbLayout::Xrgb8888:
            p += 4 * x;
            return {p[2], p[1], p[0]};
        case RgbLayout::Xbgr8888:
            p += 4 * x;
            return {p[0], p[1], p[2]};
        case RgbLayout::Rgb565: {
            p += 2 * x;
            const unsigned v = static_cast<unsigned>(p[0] | p[1] << 8);
            return {static_cast<uint8_t>((v >> 11) << 3),
                    static_cast<uint8_t>(((v >> 5) & 63) << 2),
                    static_cast<uint8_t>((v & 31) << 3)};
        }
    }
    return {};
}

// Channel distance allowed: YUV rounding (libyuv keeps 6-bit matrix coefficients), plus
// RGB565's truncation to 5 and 6 bits.
int tolerance(RgbLayout l) {
    return l == RgbLayout::Rgb565 ? 10 : 6;
}

bool near(Colour a, Colour b, int tol) {
    return std::abs(a.r - b.r) <= tol && std::abs(a.g - b.g) <= tol && std::abs(a.b - b.b) <= tol;
}

std::vector<ScalePath> paths() {
    std::vector<ScalePath> p{ScalePath::Portable};
    if (haveLibyuv()) p.push_back(ScalePath::Libyuv);
    return p;
}

constexpr PixelFormat kFormats[] = {PixelFormat::Yuyv, PixelFormat::Nv12, PixelFormat::I420,
                                    PixelFormat::Rgb24, PixelFormat::Bgr24};
constexpr RgbLayout kLayouts[] = {RgbLayout::Xrgb8888, RgbLayout::Xbgr8888, RgbLayout::Rgb565};

const char* layoutName(RgbLayout l) {
    return l == RgbLayout::Xrgb8888 ? "xrgb8888" : l == RgbLayout::Xbgr8888 ? "xbgr8888" : "rgb565";
}

TEST(PreviewTest, KnownColoursLandAsTheRightRgbInEveryFormatLayoutAndPath) {
    // Given frames of saturated, grey and skin colours in each camera format
    const Colour colours[] = {{255, 0, 0},     {0, 255, 0},   {0, 0, 255},     {255, 255, 255},
                              {128, 128, 128}, {255, 255, 0}, {224, 172, 140}, {16, 16, 16}};
    // (scaled down, and at the frame's own size, where libyuv converts without scaling)
    for (ScalePath path : paths())
        for (PixelFormat format : kFormats)
            for (RgbLayout layout : kLayouts)
                for (auto [w, h] : {std::pair{40u, 30u}, {64u, 48u}})
                    for (Colour c : colours) {
                        SCOPED_TRACE(testing::Message()
                                     << to_string(path) << " " << to_string(format) << " -> " << w
                                     << "x" << h << " " << layoutName(layout) << " (" << int(c.r)
                                     << "," << int(c.g) << "," << int(c.b) << ")");
                        Frame f = flatFrame(format, 64, 48, c);
                        PreviewScaler s;
                        ASSERT_TRUE(s.init(format, w, h, path));
                        std::vector<uint8_t> pixels(size_t{w} * h * 4);
                        RgbRows out{pixels.data(), w, h,
                                    w * (layout == RgbLayout::Rgb565 ? 2u : 4u), layout};
                        // When it is scaled and converted
                        ASSERT_TRUE(s.draw(f.view, out));
                        // Then every pixel is that colour
                        for (uint32_t y = 0; y < h; y += 7)
                            for (uint32_t x = 0; x < w; x += 5) {
                                Colour got = pixelAt(out, x, y);
                                ASSERT_TRUE(near(got, c, tolerance(layout)))
                                    << "at " << x << "," << y << ": " << int(got.r) << ","
                                    << int(got.g) << "," << int(got.b);
                            }
                        if (layout != RgbLayout::Rgb565) {
                            EXPECT_EQ(pixels[3], 0xff) << "the X byte is opaque";
                        }
                    }
}

TEST(PreviewTest, ThePatternCamerasColourBarsKeepTheirPlaces) {
    // The bars of hal/sim/camera_pattern.cpp across the top 18% of the frame.
    const Colour bars[8] = {{191, 191, 191}, {191, 191, 0}, {0, 191, 191}, {0, 191, 0},
                            {191, 0, 191},   {191, 0, 0},   {0, 0, 191},   {16, 16, 16}};
    for (ScalePath path : paths())
        for (const char* format : {"yuyv", "nv12", "i420", "rgb24"}) {
            SCOPED_TRACE(testing::Message() << to_string(path) << " " << format);
            auto cam = test::capture(std::string("pattern,width=640,height=360,format=") + format);
            ASSERT_TRUE(cam && cam->camera);
            PreviewScaler s;
            ASSERT_TRUE(s.init(cam->frame.format, 200, 120, path));
            std::vector<uint8_t> pixels(200 * 112 * 4);
            RgbRows out{pixels.data(), 200, 112, 200 * 4, RgbLayout::Xrgb8888};
            ASSERT_TRUE(s.draw(cam->frame, out));
            for (uint32_t i = 0; i < 8; ++i) {
                const uint32_t x = (2 * i + 1) * out.width / 16, y = out.height * 9 / 100;
                Colour got = pixelAt(out, x, y);
                EXPECT_TRUE(near(got, bars[i], 6))
                    << "bar " << i << ": " << int(got.r) << "," << int(got.g) << "," << int(got.b);
            }
        }
}

TEST(PreviewTest, OddSizesAndPaddedRowsAreWrittenExactly) {
    Frame f = flatFrame(PixelFormat::Nv12, 100, 62, {0, 0, 255});
    Frame y = flatFrame(PixelFormat::Yuyv, 98, 60, {255, 0, 0});
    for (ScalePath path : paths())
        for (const Frame* frame : {&f, &y})
            for (RgbLayout layout : kLayouts) {
                SCOPED_TRACE(testing::Message()
                             << to_string(path) << " " << to_string(frame->view.format) << " "
                             << layoutName(layout));
                // Given a 77x43 region at (5, 3) of a larger buffer whose rows are padded
                const uint32_t bpp = layout == RgbLayout::Rgb565 ? 2 : 4, stride = 97 * bpp + 6;
                std::vector<uint8_t> buf(stride * 50, 0xab);
                PreviewScaler s;
                ASSERT_TRUE(s.init(frame->view.format, 77, 43, path));
                RgbRows out{buf.data() + 3 * stride + 5 * bpp, 77, 43, stride, layout};
                // When it is drawn
                ASSERT_TRUE(s.draw(frame->view, out));
                // Then every pixel of the region changed and nothing outside it did
                size_t outside = 0, inside = 0;
                for (uint32_t row = 0; row < 50; ++row)
                    for (uint32_t col = 0; col < stride; ++col) {
                        const bool in =
                            row >= 3 && row < 46 && col >= 5 * bpp && col < (5 + 77) * bpp;
                        const bool untouched = buf[row * stride + col] == 0xab;
                        if (!in && !untouched) ++outside;
                        if (in && (col % bpp) == 0 && untouched && layout != RgbLayout::Rgb565)
                            ++inside;
                    }
                EXPECT_EQ(outside, 0u);
                EXPECT_EQ(inside, 0u);
                Colour want = frame == &f ? Colour{0, 0, 255} : Colour{255, 0, 0};
                for (auto [px, py] : {std::pair{0u, 0u}, {76u, 42u}, {40u, 20u}}) {
                    Colour got = pixelAt(out, px, py);
                    EXPECT_TRUE(near(got, want, tolerance(layout)))
                        << "at " << px << "," << py << ": " << int(got.r) << "," << int(got.g)
                        << "," << int(got.b);
                }
            }
}

TEST(PreviewTest, TheLetterboxKeepsTheAspectAndCentres) {
    struct Case {
        uint32_t sw, sh, bw, bh;
        Letterbox want;
    } cases[] = {
        {1920, 1080, 800, 480, {0, 15, 800, 450}},   // wider than the box: bars above and below
        {640, 480, 800, 480, {80, 0, 640, 480}},     // narrower: bars left and right
        {1080, 1920, 800, 480, {265, 0, 270, 480}},  // portrait
        {1280, 720, 1280, 720, {0, 0, 1280, 720}},   // exact
        {4056, 3040, 1, 1, {0, 0, 1, 1}},            // tiny box
        {0, 1080, 800, 480, {}},                     // empty source
        {1920, 1080, 0, 480, {}},                    // empty box
    };
    for (const Case& c : cases) {
        Letterbox l = letterbox(c.sw, c.sh, c.bw, c.bh);
        EXPECT_EQ(l.x, c.want.x) << c.sw << "x" << c.sh << " in " << c.bw << "x" << c.bh;
        EXPECT_EQ(l.y, c.want.y);
        EXPECT_EQ(l.width, c.want.width);
        EXPECT_EQ(l.height, c.want.height);
    }
}

TEST(PreviewTest, FramesItCannotDrawAreRefused) {
    PreviewScaler s;
    EXPECT_EQ(s.init(PixelFormat::Mjpeg, 80, 60, ScalePath::Portable).error().code(),
              Errc::NotSupported);
    if (!haveLibyuv()) {
        EXPECT_EQ(s.init(PixelFormat::Nv12, 80, 60, ScalePath::Libyuv).error().code(),
                  Errc::NotSupported);
    }
    std::vector<uint8_t> pixels(100 * 100 * 4);
    RgbRows out{pixels.data(), 80, 60, 80 * 4, RgbLayout::Xrgb8888};
    Frame rgb = flatFrame(PixelFormat::Rgb24, 64, 48, {1, 2, 3});
    if (haveLibyuv()) {
        // Scratch for NV12 holds less than an RGB24 frame needs.
        ASSERT_TRUE(s.init(PixelFormat::Nv12, 80, 60, ScalePath::Libyuv));
        EXPECT_EQ(s.draw(rgb.view, out).error().code(), Errc::InvalidArgument);
    }
    ASSERT_TRUE(s.init(PixelFormat::Nv12, 80, 60, ScalePath::Portable));
    EXPECT_TRUE(s.draw(rgb.view, out)) << "the portable rows need no scratch";
    ImageView mjpeg = rgb.view;
    mjpeg.format = PixelFormat::Mjpeg;
    EXPECT_EQ(s.draw(mjpeg, out).error().code(), Errc::InvalidArgument);
    Frame nv12 = flatFrame(PixelFormat::Nv12, 64, 48, {1, 2, 3});
    ImageView shortPlane = nv12.view;
    shortPlane.planes[1].data = shortPlane.planes[1].data.first(100);
    EXPECT_EQ(s.draw(shortPlane, out).error().code(), Errc::InvalidArgument);
    RgbRows big{pixels.data(), 81, 60, 81 * 4, RgbLayout::Xrgb8888};
    EXPECT_EQ(s.draw(nv12.view, big).error().code(), Errc::InvalidArgument);
    EXPECT_TRUE(s.draw(nv12.view, out));
}

TEST(PreviewTest, DrawingAllocatesNothingOfOurs) {
    auto cam = test::capture("pattern,width=1280,height=720,format=yuyv");
    ASSERT_TRUE(cam && cam->camera);
    std::vector<uint8_t> pixels(800 * 450 * 4);
    RgbRows out{pixels.data(), 800, 450, 800 * 4, RgbLayout::Xrgb8888};
    for (ScalePath path : paths()) {
        PreviewScaler s;
        ASSERT_TRUE(s.init(PixelFormat::Yuyv, 800, 480, path));
        ASSERT_TRUE(s.draw(cam->frame, out));  // warm-up
        snapstage::test::AllocScope scope;
        for (int i = 0; i < 3; ++i)
            ASSERT_TRUE(s.draw(cam->frame, out));
        snapstage::test::AllocCounts a = scope.stop();
        EXPECT_EQ(a.operatorNew, 0u) << to_string(path);
        if (path == ScalePath::Portable) {
            EXPECT_EQ(a.library(), 0u);
        }
        // libyuv's filtering scaler takes its row buffers from malloc: a few per frame at most.
        EXPECT_LE(a.library(), 3u * 4) << to_string(path);
    }
}

}  // namespace
}  // namespace snapstage::image
