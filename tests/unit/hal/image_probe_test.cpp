// SPDX-License-Identifier: MIT
// Tests of JPEG/PPM header probing (table-driven over crafted inputs).
#include "hal/sim/image_probe.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace snapstage::hal {
namespace {

std::vector<std::byte> bytesOf(std::initializer_list<int> v) {
    std::vector<std::byte> out;
    for (int b : v)
        out.push_back(static_cast<std::byte>(b));
    return out;
}
std::vector<std::byte> bytesOf(const std::string& s) {
    std::vector<std::byte> out;
    for (char c : s)
        out.push_back(static_cast<std::byte>(c));
    return out;
}

TEST(ImageProbe, ReadsJpegSizeFromTheFrameHeader) {
    // SOI, APP0 (length 4), SOF0 (length 11) 3x2... height=0x0102, width=0x0304
    auto jpeg = bytesOf({0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00,
                         0x0B, 0x08, 0x01, 0x02, 0x03, 0x04, 0x01, 0x01, 0x11, 0x00});
    auto h = probeJpeg(jpeg);
    ASSERT_TRUE(h.ok()) << h.error().message();
    EXPECT_EQ(h->height, 0x0102u);
    EXPECT_EQ(h->width, 0x0304u);
}

TEST(ImageProbe, RejectsBrokenJpegs) {
    const std::vector<std::vector<std::byte>> bad = {
        bytesOf({0xFF, 0xD8}),                                      // too short
        bytesOf({0x00, 0xD8, 0xFF, 0xC0}),                          // no SOI
        bytesOf({0xFF, 0xD8, 0xFF, 0xE0, 0x7F, 0xFF, 0x00, 0x00}),  // segment past the end
        bytesOf({0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9}),  // SOS before SOF
        bytesOf({0xFF, 0xD8, 0x12, 0x34, 0x00, 0x02}),              // not a marker
    };
    for (const auto& b : bad)
        EXPECT_FALSE(probeJpeg(b).ok());
}

TEST(ImageProbe, ParsesPpmHeadersWithComments) {
    std::string ppm = "P6\n# made by hand\n2 1\n255\n" + std::string(6, '\x7f');
    auto h = probeImage(bytesOf(ppm));
    ASSERT_TRUE(h.ok()) << h.error().message();
    EXPECT_EQ(h->kind, ImageHeader::Kind::Ppm);
    EXPECT_EQ(h->width, 2u);
    EXPECT_EQ(h->height, 1u);
    EXPECT_EQ(h->pixelOffset, ppm.size() - 6);
}

TEST(ImageProbe, RejectsBrokenPpms) {
    for (std::string bad :
         {std::string("P6\n2 1\n255\n") + "abc",  // truncated samples
          std::string("P6\n2 1\n65535\n") + std::string(12, 'x'), std::string("P6\n0 1\n255\n"),
          std::string("P5\n1 1\n255\n x"), std::string("P6\n2")}) {
        EXPECT_FALSE(probePpm(bytesOf(bad)).ok()) << bad;
    }
}

}  // namespace
}  // namespace snapstage::hal
