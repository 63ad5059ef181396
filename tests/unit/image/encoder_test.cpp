// SPDX-License-Identifier: MIT
// Tests of image::Encoder: every source format from the cameras, decoded back independently.
#include "firmware/image/encoder.h"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/unit/image/image_test_support.h"

namespace snapstage::image {
namespace {

using test::capture;

constexpr uint32_t kW = 330, kH = 246;  // not multiples of the 16-pixel MCU: edge paths too

std::string patternSpec(const char* format, uint32_t w = kW, uint32_t h = kH) {
    return "pattern,width=" + std::to_string(w) + ",height=" + std::to_string(h) +
           ",format=" + format;
}

// Initialises `enc` with `config`, failing the test on error.
void initOrFail(Encoder& enc, EncoderConfig config) {
    auto st = enc.init(config);
    ASSERT_TRUE(st.ok()) << st.error().message();
}

TEST(Encoder, EncodesEachFormatAtItsSizeSubsamplingAndCloseToTheScene) {
    struct Case {
        const char* format;
        const char* configured;
        const char* expected;  // the source's own when the configured one needs upsampling
        double minPsnr;
    } cases[] = {
        {"i420", "420", "420", 30},  {"i420", "444", "420", 30},   {"i420", "gray", "gray", 0},
        {"nv12", "420", "420", 30},  {"nv12", "422", "420", 30},   {"nv12", "gray", "gray", 0},
        {"yuyv", "420", "420", 30},  {"yuyv", "422", "422", 30},   {"yuyv", "444", "422", 30},
        {"yuyv", "gray", "gray", 0}, {"rgb24", "420", "420", 30},  {"rgb24", "422", "422", 30},
        {"rgb24", "444", "444", 30}, {"rgb24", "gray", "gray", 0},
    };
    const std::vector<uint8_t> scene = test::patternRgb(kW, kH);
    ASSERT_FALSE(scene.empty());
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.format) + " configured " + c.configured);
        // Given a camera frame in the format and an encoder configured for the subsampling
        auto cam = capture(patternSpec(c.format));
        ASSERT_TRUE(cam->camera);
        Encoder enc;
        initOrFail(enc, {kW, kH, 90, *parseSubsampling(c.configured)});
        // When it is encoded
        auto jpeg = enc.encode(cam->frame, {});
        ASSERT_TRUE(jpeg.ok()) << jpeg.error().message();
        // Then an independent decode has the frame's size, the expected subsampling, and pixels
        // close to the scene
        auto d = test::decodeWithTurboJpeg(*jpeg);
        ASSERT_TRUE(d.ok) << d.error;
        EXPECT_EQ(d.width, static_cast<int>(kW));
        EXPECT_EQ(d.height, static_cast<int>(kH));
        EXPECT_EQ(d.subsampling, test::tjSamp(c.expected));
        // (gray output is compared by luma)
        const bool gray = std::string(c.expected) == "gray";
        const double quality =
            gray ? test::psnr(test::lumaOf(d.rgb), test::lumaOf(scene)) : test::psnr(d.rgb, scene);
        std::printf("%-6s %-4s -> %-4s PSNR %.1f dB, %zu bytes\n", c.format, c.configured,
                    c.expected, quality, jpeg->size());
        EXPECT_GE(quality, c.minPsnr);
    }
}

TEST(Encoder, EncodesBgrFramesWithRedAndBlueInPlace) {
    // Given the scene as packed B,G,R bytes (libcamera's RGB888, e.g. from vimc)
    std::vector<uint8_t> bgr = test::patternRgb(kW, kH);
    ASSERT_FALSE(bgr.empty());
    const std::vector<uint8_t> scene = bgr;
    for (size_t i = 0; i + 2 < bgr.size(); i += 3)
        std::swap(bgr[i], bgr[i + 2]);
    ImageView frame;
    frame.format = PixelFormat::Bgr24;
    frame.width = kW;
    frame.height = kH;
    frame.planes[0] = Plane{std::as_bytes(std::span(bgr)), kW * 3};
    frame.planeCount = 1;
    Encoder enc;
    initOrFail(enc, {kW, kH, 90, Subsampling::S444});
    // When it is encoded
    auto jpeg = enc.encode(frame, {});
    ASSERT_TRUE(jpeg.ok()) << jpeg.error().message();
    // Then it decodes to the scene, not to the scene with red and blue swapped
    auto d = test::decodeWithTurboJpeg(*jpeg);
    ASSERT_TRUE(d.ok) << d.error;
    EXPECT_GE(test::psnr(d.rgb, scene), 30);
    EXPECT_LT(test::psnr(d.rgb, bgr), 30);
}

TEST(Encoder, HigherQualityGivesLargerFiles) {
    // Given one frame
    auto cam = capture(patternSpec("i420"));
    ASSERT_TRUE(cam->camera);
    size_t previous = 0;
    for (int quality : {20, 50, 75, 90, 98}) {
        SCOPED_TRACE(quality);
        // When it is encoded at rising quality
        Encoder enc;
        initOrFail(enc, {kW, kH, quality, Subsampling::S420});
        auto jpeg = enc.encode(cam->frame, {});
        ASSERT_TRUE(jpeg.ok()) << jpeg.error().message();
        // Then each file is larger than the one before
        EXPECT_GT(jpeg->size(), previous);
        previous = jpeg->size();
    }
}

TEST(Encoder, ReencodesAnMjpegFrameAtTheConfiguredQuality) {
    // Given the file camera lending a 640x400 JPEG as an MJPEG frame
    auto cam = capture(std::string("file:") + SNAPSTAGE_TEST_DATA_DIR + "/photos/lakeside-640.jpg");
    ASSERT_TRUE(cam->camera);
    ASSERT_EQ(cam->frame.format, PixelFormat::Mjpeg);
    const auto original = test::decodeWithTurboJpeg(cam->frame.planes[0].data);
    ASSERT_TRUE(original.ok);
    size_t previous = 0;
    for (int quality : {40, 95}) {
        // When it is re-encoded
        Encoder enc;
        initOrFail(enc, {640, 400, quality, Subsampling::S420});
        auto jpeg = enc.encode(cam->frame, {});
        ASSERT_TRUE(jpeg.ok()) << jpeg.error().message();
        // Then it keeps its size and picture, and the quality setting shows in the file size
        auto d = test::decodeWithTurboJpeg(*jpeg);
        ASSERT_TRUE(d.ok) << d.error;
        EXPECT_EQ(d.width, 640);
        EXPECT_EQ(d.height, 400);
        EXPECT_EQ(d.subsampling, TJSAMP_420);
        EXPECT_GE(test::psnr(d.rgb, original.rgb), quality > 90 ? 38 : 28);
        EXPECT_GT(jpeg->size(), previous);
        previous = jpeg->size();
    }
}

TEST(Encoder, AveragesMjpegChromaDownButNeverUp) {
    struct Case {
        int source;  // TJSAMP_* of the MJPEG frame
        const char* configured;
        int expected;
    } cases[] = {
        {TJSAMP_444, "420", TJSAMP_420},   {TJSAMP_444, "422", TJSAMP_422},
        {TJSAMP_422, "420", TJSAMP_420},   {TJSAMP_440, "420", TJSAMP_420},
        {TJSAMP_420, "444", TJSAMP_420},   {TJSAMP_420, "422", TJSAMP_420},
        {TJSAMP_411, "420", TJSAMP_411},   {TJSAMP_GRAY, "420", TJSAMP_GRAY},
        {TJSAMP_444, "gray", TJSAMP_GRAY},
    };
    const std::vector<uint8_t> scene = test::patternRgb(kW, kH);
    for (const auto& c : cases) {
        SCOPED_TRACE(std::to_string(c.source) + " configured " + c.configured);
        // Given an MJPEG frame at a subsampling
        std::vector<std::byte> mjpeg = test::compressWithTurboJpeg(scene, kW, kH, c.source, 95);
        ImageView frame;
        frame.format = PixelFormat::Mjpeg;
        frame.planes[0].data = mjpeg;
        frame.planeCount = 1;
        // When it is encoded under another configured subsampling
        Encoder enc;
        initOrFail(enc, {kW, kH, 90, *parseSubsampling(c.configured)});
        auto jpeg = enc.encode(frame, {});
        ASSERT_TRUE(jpeg.ok()) << jpeg.error().message();
        // Then it has the expected subsampling and still looks like the source
        auto d = test::decodeWithTurboJpeg(*jpeg);
        auto source = test::decodeWithTurboJpeg(mjpeg);
        ASSERT_TRUE(d.ok && source.ok);
        EXPECT_EQ(d.subsampling, c.expected);
        EXPECT_GE(test::psnr(test::lumaOf(d.rgb), test::lumaOf(source.rgb)), 33);
        if (c.expected != TJSAMP_GRAY) {
            EXPECT_GE(test::psnr(d.rgb, source.rgb), 27);
        }
    }
}

TEST(Encoder, WritesExifFirstWithMakeModelOrientationAndDate) {
    // Given a frame and EXIF details
    auto cam = capture(patternSpec("nv12"));
    ASSERT_TRUE(cam->camera);
    Encoder enc;
    initOrFail(enc, {kW, kH, 90, Subsampling::S420});
    ExifInfo exif;
    exif.captureTimeUtc = 1715000000;  // 2024-05-06 12:53:20 UTC
    exif.make = "Raspberry Pi";
    exif.model = "Raspberry Pi 4 Model B";
    exif.orientation = 6;
    // When it is encoded
    auto jpeg = enc.encode(cam->frame, exif);
    ASSERT_TRUE(jpeg.ok()) << jpeg.error().message();
    // Then APP1 Exif directly follows SOI, no JFIF APP0 remains, and the tags read back
    auto markers = test::headerMarkers(*jpeg);
    ASSERT_FALSE(markers.empty());
    EXPECT_EQ(markers[0], 0xE1);
    EXPECT_EQ(std::count(markers.begin(), markers.end(), uint8_t{0xE0}), 0);
    auto read = test::readExif(*jpeg);
    ASSERT_TRUE(read.ok) << read.error;
    EXPECT_EQ(read.ifd0[0x010F].text(), "Raspberry Pi");
    EXPECT_EQ(read.ifd0[0x0110].text(), "Raspberry Pi 4 Model B");
    EXPECT_EQ(read.ifd0[0x0112].number(), 6u);
    EXPECT_EQ(read.ifd0[0x0132].text(), "2024:05:06 12:53:20");
    EXPECT_EQ(read.exif[0x9003].text(), "2024:05:06 12:53:20");
    EXPECT_EQ(read.exif[0x9004].text(), "2024:05:06 12:53:20");
    EXPECT_EQ(read.exif[0x9010].text(), "+00:00");
    EXPECT_EQ(read.exif[0xA002].number(), kW);
    EXPECT_EQ(read.exif[0xA003].number(), kH);
    // and the file still decodes to the frame's size
    auto d = test::decodeWithTurboJpeg(*jpeg);
    EXPECT_TRUE(d.ok) << d.error;
    EXPECT_EQ(d.width, static_cast<int>(kW));
}

TEST(Encoder, LeavesOutEmptyExifFields) {
    // Given no time, make or model
    auto cam = capture(patternSpec("rgb24"));
    ASSERT_TRUE(cam->camera);
    Encoder enc;
    initOrFail(enc, {kW, kH, 90, Subsampling::S444});
    // When a frame is encoded
    auto jpeg = enc.encode(cam->frame, {});
    ASSERT_TRUE(jpeg.ok()) << jpeg.error().message();
    // Then only orientation and the size tags are there
    auto read = test::readExif(*jpeg);
    ASSERT_TRUE(read.ok) << read.error;
    EXPECT_EQ(read.ifd0.count(0x010F), 0u);
    EXPECT_EQ(read.ifd0.count(0x0110), 0u);
    EXPECT_EQ(read.ifd0.count(0x0132), 0u);
    EXPECT_EQ(read.exif.count(0x9003), 0u);
    EXPECT_EQ(read.ifd0[0x0112].number(), 1u);
    EXPECT_EQ(read.exif[0xA002].number(), kW);
}

TEST(Encoder, RejectsFramesLargerThanConfigured) {
    // Given an encoder set up for 320x240
    Encoder enc;
    initOrFail(enc, {320, 240, 90, Subsampling::S420});
    // When a larger camera frame, or a larger MJPEG frame, arrives
    auto cam = capture(patternSpec("i420", 322, 240));
    ASSERT_TRUE(cam->camera);
    auto yuv = enc.encode(cam->frame, {});
    auto mjpegBytes =
        test::readFileBytes(std::string(SNAPSTAGE_TEST_DATA_DIR) + "/photos/lakeside-640.jpg");
    ImageView mjpeg;
    mjpeg.format = PixelFormat::Mjpeg;
    mjpeg.planes[0].data = mjpegBytes;
    mjpeg.planeCount = 1;
    auto fromMjpeg = enc.encode(mjpeg, {});
    // Then both are refused, saying so
    ASSERT_FALSE(yuv.ok());
    EXPECT_EQ(yuv.error().code(), Errc::InvalidArgument);
    EXPECT_NE(std::string(yuv.error().message()).find("larger than the 320x240"), std::string::npos)
        << yuv.error().message();
    ASSERT_FALSE(fromMjpeg.ok());
    EXPECT_EQ(fromMjpeg.error().code(), Errc::InvalidArgument);
}

TEST(Encoder, RejectsCorruptMjpegWithoutCrashing) {
    auto good =
        test::readFileBytes(std::string(SNAPSTAGE_TEST_DATA_DIR) + "/photos/lakeside-640.jpg");
    ASSERT_GT(good.size(), 1000u);
    std::vector<std::byte> garbage(4096, std::byte{0x5A});
    std::vector<std::byte> headerOnly(good.begin(), good.begin() + 100);
    std::vector<std::byte> badTables = good;
    for (size_t i = 20; i < 400; ++i)  // scribble over the quantisation/Huffman tables
        badTables[i] = std::byte{0xFF};
    struct Case {
        const char* name;
        std::vector<std::byte>* bytes;
    } cases[] = {
        {"garbage", &garbage}, {"truncated header", &headerOnly}, {"bad tables", &badTables}};
    Encoder enc;
    initOrFail(enc, {640, 400, 90, Subsampling::S420});
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        // Given a damaged MJPEG frame
        ImageView frame;
        frame.format = PixelFormat::Mjpeg;
        frame.planes[0].data = *c.bytes;
        frame.planeCount = 1;
        // When it is encoded
        auto jpeg = enc.encode(frame, {});
        // Then it fails with JpegDecode, and the encoder still works afterwards
        ASSERT_FALSE(jpeg.ok());
        EXPECT_EQ(jpeg.error().code(), Errc::JpegDecode) << jpeg.error().message();
    }
    ImageView frame;
    frame.format = PixelFormat::Mjpeg;
    frame.planes[0].data = good;
    frame.planeCount = 1;
    auto again = enc.encode(frame, {});
    EXPECT_TRUE(again.ok()) << again.error().message();
}

TEST(Encoder, EncodesAnMjpegFrameThatIsDamagedButComplete) {
    // Given an MJPEG frame cut off in its entropy-coded data (libjpeg warns "Premature end of
    // JPEG file" and fills the rest in grey: the frame is damaged but whole)
    auto good =
        test::readFileBytes(std::string(SNAPSTAGE_TEST_DATA_DIR) + "/photos/lakeside-640.jpg");
    std::vector<std::byte> cut(good.begin(), good.begin() + static_cast<long>(good.size() * 3 / 4));
    ImageView frame;
    frame.format = PixelFormat::Mjpeg;
    frame.planes[0].data = cut;
    frame.planeCount = 1;
    Encoder enc;
    initOrFail(enc, {640, 400, 90, Subsampling::S420});
    // When it is encoded
    auto jpeg = enc.encode(frame, {});
    // Then the picture is kept (the warning is logged), whole-sized
    ASSERT_TRUE(jpeg.ok()) << jpeg.error().message();
    auto d = test::decodeWithTurboJpeg(*jpeg);
    ASSERT_TRUE(d.ok) << d.error;
    EXPECT_EQ(d.width, 640);
    EXPECT_EQ(d.height, 400);
}

TEST(Encoder, RejectsBadConfigFramesAndExif) {
    Encoder enc;
    // Given no init, encode fails plainly
    ImageView empty;
    EXPECT_EQ(enc.encode(empty, {}).error().code(), Errc::Internal);
    // Given bad configs, init refuses them
    for (EncoderConfig bad : {EncoderConfig{64, 64, 0, Subsampling::S420},
                              EncoderConfig{64, 64, 101, Subsampling::S420},
                              EncoderConfig{0, 64, 90, Subsampling::S420},
                              EncoderConfig{64, 100000, 90, Subsampling::S420}})
        EXPECT_EQ(enc.init(bad).error().code(), Errc::InvalidArgument);
    initOrFail(enc, {kW, kH, 90, Subsampling::S420});
    auto cam = capture(patternSpec("i420"));
    ASSERT_TRUE(cam->camera);
    // When a plane is shorter than the frame size needs
    ImageView shortPlane = cam->frame;
    shortPlane.planes[2].data = shortPlane.planes[2].data.first(10);
    EXPECT_EQ(enc.encode(shortPlane, {}).error().code(), Errc::InvalidArgument);
    // or a stride is too small, or the format unknown, or the orientation out of range
    ImageView narrow = cam->frame;
    narrow.planes[0].strideBytes = kW - 2;
    EXPECT_EQ(enc.encode(narrow, {}).error().code(), Errc::InvalidArgument);
    ImageView unknown = cam->frame;
    unknown.format = PixelFormat::Unknown;
    EXPECT_EQ(enc.encode(unknown, {}).error().code(), Errc::JpegFormat);
    ExifInfo exif;
    exif.orientation = 9;
    EXPECT_EQ(enc.encode(cam->frame, exif).error().code(), Errc::InvalidArgument);
    // and a make too long for the EXIF room
    std::string longMake(4000, 'm');
    exif.orientation = 1;
    exif.make = longMake;
    EXPECT_EQ(enc.encode(cam->frame, exif).error().code(), Errc::Overflow);
    // Then a good frame still encodes
    EXPECT_TRUE(enc.encode(cam->frame, {}).ok());
}

TEST(Encoder, ParsesSubsamplingNames) {
    struct Case {
        const char* text;
        bool ok;
        Subsampling value;
    } cases[] = {{"444", true, Subsampling::S444},
                 {"422", true, Subsampling::S422},
                 {"420", true, Subsampling::S420},
                 {"gray", true, Subsampling::Gray},
                 {"GRAY", true, Subsampling::Gray},
                 {"411", false, {}},
                 {"", false, {}},
                 {"4200", false, {}}};
    for (const auto& c : cases) {
        auto r = parseSubsampling(c.text);
        ASSERT_EQ(r.ok(), c.ok) << c.text;
        if (c.ok) {
            EXPECT_EQ(*r, c.value);
            EXPECT_EQ(*parseSubsampling(to_string(*r)), c.value);
        } else {
            EXPECT_EQ(r.error().code(), Errc::InvalidArgument);
        }
    }
}

TEST(Encoder, DjpegAcceptsTheOutput) {
    if (std::system("command -v djpeg >/dev/null 2>&1") != 0) GTEST_SKIP() << "djpeg not installed";
    // Given an encoded frame with EXIF, written to a file
    auto cam = capture(patternSpec("yuyv"));
    ASSERT_TRUE(cam->camera);
    Encoder enc;
    initOrFail(enc, {kW, kH, 85, Subsampling::S420});
    ExifInfo exif{1715000000, "Raspberry Pi", "Raspberry Pi 5", 1};
    auto jpeg = enc.encode(cam->frame, exif);
    ASSERT_TRUE(jpeg.ok()) << jpeg.error().message();
    char path[] = "/tmp/snapstage-image-test-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, jpeg->data(), jpeg->size()), static_cast<ssize_t>(jpeg->size()));
    close(fd);
    // When libjpeg's own djpeg decodes it, treating warnings as failures
    std::string cmd = std::string("djpeg -strict -outfile /dev/null ") + path + " 2>&1";
    int status = std::system(cmd.c_str());
    unlink(path);
    // Then it succeeds
    EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace snapstage::image
