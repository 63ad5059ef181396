// SPDX-License-Identifier: MIT
// Tests of image::Encoder on MJPEG frames only a few pixels wide or high, whose YUV planes
// TurboJPEG pads well past width*height*3 (the 1x1 capture heap overflow).
#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <string>
#include <vector>

#include "firmware/image/encoder.h"
#include "tests/unit/image/image_test_support.h"

namespace snapstage::image {
namespace {

std::vector<uint8_t> gradient(int w, int h) {
    std::vector<uint8_t> rgb(static_cast<size_t>(w) * static_cast<size_t>(h) * 3);
    for (size_t i = 0; i < rgb.size(); ++i)
        rgb[i] = static_cast<uint8_t>(i * 37 % 251);
    return rgb;
}

TEST(EncoderThin, ReencodesMjpegFramesOfEverySamplingDownToOnePixel) {
    struct Size {
        int w, h;
    } sizes[] = {{1, 1}, {2, 1}, {1, 2}, {3, 3}, {1, 17}, {17, 1}, {1, 300}, {300, 1}, {5, 33}};
    const int samplings[] = {TJSAMP_420, TJSAMP_411, TJSAMP_422,
                             TJSAMP_440, TJSAMP_444, TJSAMP_GRAY};
    for (const Size& s : sizes) {
        for (int samp : samplings) {
            for (const char* configured : {"420", "444", "gray"}) {
                SCOPED_TRACE(std::to_string(s.w) + "x" + std::to_string(s.h) + " sampled " +
                             std::to_string(samp) + " configured " + configured);
                // Given an MJPEG frame that thin, and an encoder sized to it as capture sizes it
                std::vector<std::byte> mjpeg =
                    test::compressWithTurboJpeg(gradient(s.w, s.h), s.w, s.h, samp, 90);
                ASSERT_FALSE(mjpeg.empty());
                Encoder enc;
                ASSERT_TRUE(enc.init({static_cast<uint32_t>(s.w), static_cast<uint32_t>(s.h), 90,
                                      *parseSubsampling(configured)})
                                .ok());
                ImageView frame;
                frame.format = PixelFormat::Mjpeg;
                frame.planes[0].data = mjpeg;
                frame.planeCount = 1;
                // When it is re-encoded (AddressSanitizer checks every plane write)
                auto jpeg = enc.encode(frame, {});
                // Then the output decodes at the frame's size
                ASSERT_TRUE(jpeg.ok()) << jpeg.error().message();
                auto d = test::decodeWithTurboJpeg(*jpeg);
                ASSERT_TRUE(d.ok) << d.error;
                EXPECT_EQ(d.width, s.w);
                EXPECT_EQ(d.height, s.h);
            }
        }
    }
}

// Planes in buffers of exactly their own size, so that AddressSanitizer sees any read past them.
struct OddFrame {
    std::vector<std::byte> y, u, v, uv;
    ImageView view;
};

OddFrame oddFrame(PixelFormat format, uint32_t w, uint32_t h) {
    OddFrame f;
    const uint32_t cw = (w + 1) / 2, ch = (h + 1) / 2;
    f.y.assign(size_t{w} * h, std::byte{120});
    f.view.format = format;
    f.view.width = w;
    f.view.height = h;
    f.view.planes[0] = Plane{f.y, w};
    if (format == PixelFormat::I420) {
        f.u.assign(size_t{cw} * ch, std::byte{90});
        f.v.assign(size_t{cw} * ch, std::byte{160});
        f.view.planes[1] = Plane{f.u, cw};
        f.view.planes[2] = Plane{f.v, cw};
        f.view.planeCount = 3;
    } else {
        f.uv.assign(size_t{cw} * 2 * ch, std::byte{128});
        f.view.planes[1] = Plane{f.uv, cw * 2};
        f.view.planeCount = 2;
    }
    return f;
}

TEST(EncoderThin, EncodesOddSizedI420AndNv12FramesWithoutReadingPastTheirPlanes) {
    struct Size {
        uint32_t w, h;
    } sizes[] = {{1, 1}, {5, 3}, {33, 17}, {2, 3}, {3, 2}};
    for (PixelFormat format : {PixelFormat::I420, PixelFormat::Nv12}) {
        for (const Size& s : sizes) {
            SCOPED_TRACE(std::string(to_string(format)) + " " + std::to_string(s.w) + "x" +
                         std::to_string(s.h));
            // Given a frame with an odd side, each plane exactly as large as its rows
            OddFrame frame = oddFrame(format, s.w, s.h);
            Encoder enc;
            ASSERT_TRUE(enc.init({s.w, s.h, 90, Subsampling::S420}).ok());
            // When it is encoded (TurboJPEG reads luma padded to even sides)
            auto jpeg = enc.encode(frame.view, {});
            // Then it encodes at its size, and nothing outside the planes was read
            ASSERT_TRUE(jpeg.ok()) << jpeg.error().message();
            auto d = test::decodeWithTurboJpeg(*jpeg);
            ASSERT_TRUE(d.ok) << d.error;
            EXPECT_EQ(d.width, static_cast<int>(s.w));
            EXPECT_EQ(d.height, static_cast<int>(s.h));
        }
    }
}

}  // namespace
}  // namespace snapstage::image
