// SPDX-License-Identifier: MIT
// Tests of the EXIF APP1 writer, read back with the tests' own TIFF reader.
#include "firmware/image/exif.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/image/image_test_support.h"

namespace snapstage::image {
namespace {

ExifFields sample() {
    ExifFields f;
    f.info.captureTimeUtc = 951782400;  // 2000-02-29 00:00:00 UTC
    f.info.make = "Raspberry Pi";
    f.info.model = "Raspberry Pi 5";
    f.info.orientation = 3;
    f.pixelWidth = 4056;
    f.pixelHeight = 3040;
    return f;
}

TEST(Exif, WritesExactlyItsSizeAndReadsBack) {
    // Given fields and a span of exactly the announced size
    const ExifFields f = sample();
    std::vector<std::byte> out(exifApp1Size(f));
    // When the segment is written
    auto n = writeExifApp1(out, f);
    // Then it fills the span, its length field agrees, and every tag reads back
    ASSERT_TRUE(n.ok()) << n.error().message();
    EXPECT_EQ(*n, out.size());
    EXPECT_EQ((static_cast<size_t>(out[2]) << 8 | static_cast<size_t>(out[3])) + 2, out.size());
    auto read = test::readExifSegment(out);
    ASSERT_TRUE(read.ok) << read.error;
    EXPECT_EQ(read.ifd0[0x010F].text(), "Raspberry Pi");
    EXPECT_EQ(read.ifd0[0x0110].text(), "Raspberry Pi 5");
    EXPECT_EQ(read.ifd0[0x0112].number(), 3u);
    EXPECT_EQ(read.ifd0[0x0128].number(), 2u);
    EXPECT_EQ(read.ifd0[0x0132].text(), "2000:02:29 00:00:00");
    EXPECT_EQ(read.exif[0x9000].text(), "0232");
    EXPECT_EQ(read.exif[0x9003].text(), "2000:02:29 00:00:00");
    EXPECT_EQ(read.exif[0x9004].text(), "2000:02:29 00:00:00");
    EXPECT_EQ(read.exif[0x9011].text(), "+00:00");
    EXPECT_EQ(read.exif[0xA001].number(), 1u);
    EXPECT_EQ(read.exif[0xA002].number(), 4056u);
    EXPECT_EQ(read.exif[0xA003].number(), 3040u);
}

TEST(Exif, TagsAreInAscendingOrder) {
    // Given a written segment (TIFF requires ascending tags within an IFD)
    const ExifFields f = sample();
    std::vector<std::byte> out(exifApp1Size(f));
    ASSERT_TRUE(writeExifApp1(out, f).ok());
    auto read = test::readExifSegment(out);
    ASSERT_TRUE(read.ok);
    // Then the IFDs hold the expected tag sets (std::map orders them; counts prove no duplicate)
    EXPECT_EQ(read.ifd0.size(), 9u);
    EXPECT_EQ(read.exif.size(), 11u);
}

TEST(Exif, FormatsDatesAcrossTheRange) {
    struct Case {
        int64_t t;
        const char* text;
    } cases[] = {
        {1, "1970:01:01 00:00:01"},          {-1, "1969:12:31 23:59:59"},
        {951782400, "2000:02:29 00:00:00"},  {1715000000, "2024:05:06 12:53:20"},
        {4107542399, "2100:02:28 23:59:59"}, {253402300799, "9999:12:31 23:59:59"},
    };
    for (const auto& c : cases) {
        ExifFields f;
        f.info.captureTimeUtc = c.t;
        std::vector<std::byte> out(exifApp1Size(f));
        ASSERT_TRUE(writeExifApp1(out, f).ok()) << c.t;
        auto read = test::readExifSegment(out);
        ASSERT_TRUE(read.ok) << read.error;
        EXPECT_EQ(read.ifd0[0x0132].text(), c.text) << c.t;
    }
}

TEST(Exif, RejectsBadOrientationAndUnwritableDates) {
    std::vector<std::byte> out(4096);
    for (uint16_t orientation : {uint16_t{0}, uint16_t{9}}) {
        ExifFields f = sample();
        f.info.orientation = orientation;
        EXPECT_EQ(writeExifApp1(out, f).error().code(), Errc::InvalidArgument) << orientation;
    }
    ExifFields late = sample();
    late.info.captureTimeUtc = 253402300800;  // year 10000
    EXPECT_EQ(writeExifApp1(out, late).error().code(), Errc::InvalidArgument);
}

TEST(Exif, ReportsOverflowForEveryShortSpan) {
    // Given a span one byte short, or much shorter
    const ExifFields f = sample();
    const size_t need = exifApp1Size(f);
    std::vector<std::byte> out(need);
    for (size_t size : {size_t{0}, size_t{4}, need / 2, need - 1}) {
        // When the segment is written into it, then it reports Overflow instead of writing past
        auto n = writeExifApp1(std::span<std::byte>(out).first(size), f);
        ASSERT_FALSE(n.ok()) << size;
        EXPECT_EQ(n.error().code(), Errc::Overflow);
    }
}

TEST(Exif, RefusesASegmentOverTheJpegLimit) {
    // Given a model longer than one JPEG segment can hold
    std::string model(70000, 'x');
    ExifFields f = sample();
    f.info.model = model;
    std::vector<std::byte> out(exifApp1Size(f));
    // Then writing it is an Overflow naming the limit
    auto n = writeExifApp1(out, f);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.error().code(), Errc::Overflow);
}

TEST(Exif, LeavesOutWhatIsEmpty) {
    // Given only an orientation
    ExifFields f;
    f.pixelWidth = 2;
    f.pixelHeight = 2;
    std::vector<std::byte> out(exifApp1Size(f));
    ASSERT_TRUE(writeExifApp1(out, f).ok());
    auto read = test::readExifSegment(out);
    ASSERT_TRUE(read.ok) << read.error;
    // Then there is no make, model, date or offset tag
    for (int tag : {0x010F, 0x0110, 0x0132})
        EXPECT_EQ(read.ifd0.count(static_cast<uint16_t>(tag)), 0u) << tag;
    for (int tag : {0x9003, 0x9004, 0x9010, 0x9011, 0x9012})
        EXPECT_EQ(read.exif.count(static_cast<uint16_t>(tag)), 0u) << tag;
    EXPECT_EQ(read.ifd0[0x0112].number(), 1u);
}

}  // namespace
}  // namespace snapstage::image
