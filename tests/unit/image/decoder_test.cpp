// SPDX-License-Identifier: MIT
// Tests of image::Decoder: scale choice, scaled decode, bad input.
#include "firmware/image/decoder.h"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <cstring>
#include <string>
#include <vector>

#include "tests/unit/image/image_test_support.h"

namespace snapstage::image {
namespace {

std::vector<std::byte> lakeside() {
    return test::readFileBytes(std::string(SNAPSTAGE_TEST_DATA_DIR) + "/photos/lakeside-640.jpg");
}

TEST(Decoder, FitScalePicksTheLargestFactorThatFits) {
    struct Case {
        uint32_t w, h, boxW, boxH;
        uint32_t num, denom, outW, outH;
    } cases[] = {
        {4056, 3040, 800, 480, 1, 8, 507, 380},      // HQ camera photo on a 800x480 screen
        {640, 400, 1920, 1080, 1, 1, 640, 400},      // never enlarged
        {4056, 3040, 1920, 1080, 1, 4, 1014, 760},   // 3/8 would be 1521x1140
        {1920, 1080, 800, 480, 3, 8, 720, 405},      //
        {1920, 1080, 1920, 1080, 1, 1, 1920, 1080},  // exact fit
        {1921, 1080, 1920, 1080, 7, 8, 1681, 945},   // one pixel over: next factor down
        {640, 400, 320, 240, 1, 2, 320, 200},        //
        {9, 9, 2, 2, 1, 8, 2, 2},                    // sizes round up: ceil(9/8) = 2
    };
    for (const auto& c : cases) {
        auto s = fitScale(c.w, c.h, c.boxW, c.boxH);
        ASSERT_TRUE(s.ok()) << c.w << "x" << c.h << " into " << c.boxW << "x" << c.boxH;
        EXPECT_EQ(s->num * c.denom, c.num * s->denom) << c.w << "x" << c.h;
        EXPECT_EQ(s->width, c.outW) << c.w << "x" << c.h;
        EXPECT_EQ(s->height, c.outH) << c.w << "x" << c.h;
    }
}

TEST(Decoder, FitScaleReportsWhenNothingFits) {
    auto s = fitScale(8000, 8000, 100, 100);  // 1/8 is still 1000x1000
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), Errc::Overflow);
    EXPECT_EQ(fitScale(0, 10, 10, 10).error().code(), Errc::InvalidArgument);
}

TEST(Decoder, DecodesLakesideScaledIntoABox) {
    // Given a decoder for a 800x480 screen and the 640x400 photo
    Decoder dec;
    ASSERT_TRUE(dec.init({800, 480}).ok());
    auto jpeg = lakeside();
    // When it is decoded into a 320x240 box
    auto img = dec.decode(jpeg, 320, 240);
    // Then it is 1/2 scale RGB, byte-identical to TurboJPEG's own 1/2 decode
    ASSERT_TRUE(img.ok()) << img.error().message();
    EXPECT_EQ(img->format, PixelFormat::Rgb24);
    EXPECT_EQ(img->width, 320u);
    EXPECT_EQ(img->height, 200u);
    EXPECT_EQ(img->planes[0].strideBytes, 960u);
    ASSERT_EQ(img->planes[0].data.size(), 960u * 200);
    tjhandle tj = tjInitDecompress();
    std::vector<unsigned char> expected(960 * 200);
    ASSERT_EQ(tjDecompress2(tj, reinterpret_cast<const unsigned char*>(jpeg.data()),
                            static_cast<unsigned long>(jpeg.size()), expected.data(), 320, 0, 200,
                            TJPF_RGB, 0),
              0);
    tjDestroy(tj);
    EXPECT_EQ(0, std::memcmp(expected.data(), img->planes[0].data.data(), expected.size()));
}

TEST(Decoder, DecodesAtFullSizeWhenItFitsAndClampsTheBox) {
    Decoder dec;
    ASSERT_TRUE(dec.init({640, 400}).ok());
    auto jpeg = lakeside();
    // When asked for a box larger than the configured one
    auto img = dec.decode(jpeg, 5000, 5000);
    // Then the configured box applies: full size here
    ASSERT_TRUE(img.ok()) << img.error().message();
    EXPECT_EQ(img->width, 640u);
    EXPECT_EQ(img->height, 400u);
    auto full = test::decodeWithTurboJpeg(jpeg);
    ASSERT_TRUE(full.ok);
    EXPECT_EQ(0, std::memcmp(full.rgb.data(), img->planes[0].data.data(), full.rgb.size()));
}

TEST(Decoder, ProbeReadsTheSizeWithoutDecoding) {
    Decoder dec;
    ASSERT_TRUE(dec.init({8, 8}).ok());
    auto jpeg = lakeside();
    auto view = dec.probe(jpeg);
    ASSERT_TRUE(view.ok()) << view.error().message();
    EXPECT_EQ(view->format, PixelFormat::Mjpeg);
    EXPECT_EQ(view->width, 640u);
    EXPECT_EQ(view->height, 400u);
    EXPECT_EQ(view->planes[0].data.data(), jpeg.data());
}

TEST(Decoder, RejectsBadDataAndStillWorksAfterwards) {
    Decoder dec;
    ASSERT_TRUE(dec.init({640, 400}).ok());
    auto good = lakeside();
    std::vector<std::byte> garbage(100, std::byte{0x42});
    std::vector<std::byte> tablesOnly(good.begin(), good.begin() + 120);
    std::vector<std::byte> scribbled = good;
    for (size_t i = 20; i < 400; ++i)
        scribbled[i] = std::byte{0xFF};
    for (const auto* bad : {&garbage, &tablesOnly, &scribbled}) {
        // Given bad data, probe and decode fail with JpegDecode
        EXPECT_EQ(dec.probe(*bad).error().code(), Errc::JpegDecode);
        EXPECT_EQ(dec.decode(*bad, 640, 400).error().code(), Errc::JpegDecode);
        // and the next good JPEG still decodes (TurboJPEG's instance was reset)
        auto img = dec.decode(good, 640, 400);
        EXPECT_TRUE(img.ok()) << img.error().message();
    }
    EXPECT_EQ(dec.decode({}, 640, 400).error().code(), Errc::JpegDecode);
}

TEST(Decoder, ReportsABoxTooSmallAndMissingInit) {
    Decoder fresh;
    auto jpeg = lakeside();
    EXPECT_EQ(fresh.decode(jpeg, 10, 10).error().code(), Errc::Internal);
    Decoder dec;
    EXPECT_EQ(dec.init({0, 10}).error().code(), Errc::InvalidArgument);
    ASSERT_TRUE(dec.init({640, 400}).ok());
    EXPECT_EQ(dec.decode(jpeg, 10, 10).error().code(), Errc::Overflow);  // 1/8 is 80x50
}

}  // namespace
}  // namespace snapstage::image
