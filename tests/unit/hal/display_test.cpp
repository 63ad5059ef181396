// SPDX-License-Identifier: MIT
// Tests of the displays: fbdev against a file-backed fake framebuffer whose geometry the test
// sets (page flipping by panning, copy mode with a padded stride, RGB565, refusals), the file
// display's PNGs, and the registry's messages.
#include <gtest/gtest.h>
#include <cstdlib>

#include <unistd.h>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "hal/display.h"
#include "hal/linux/display_fbdev.h"
#include "hal/sim/display_memory.h"
#include "tests/fakes/fake_fb.h"
#include "tests/support/temp_dir.h"

namespace snapstage::hal {
namespace {

DeviceSpec spec(const char* text) {
    auto s = DeviceSpec::parse(text);
    EXPECT_TRUE(s.ok()) << text;
    return *s;
}

// Fills a frame with a pattern that tells rows and frames apart.
void paint(const DisplayFrame& f, uint8_t tag) {
    for (uint32_t y = 0; y < f.height; ++y)
        std::memset(f.pixels + static_cast<size_t>(y) * f.strideBytes,
                    static_cast<uint8_t>(tag + y),
                    f.width * (f.format == DisplayFormat::Rgb565 ? 2 : 4));
}

TEST(FbdevDisplayTest, FlipsBetweenTwoHalvesWithoutCopying) {
    fakes::FakeFramebuffer fb({.width = 64, .height = 48, .bitsPerPixel = 32});
    FbdevDisplay display(spec("fbdev:/dev/fb0"), fb);
    ASSERT_TRUE(display.init().ok());
    EXPECT_TRUE(display.info().pageFlip);
    EXPECT_EQ(display.info().format, DisplayFormat::Xrgb8888);
    for (int t : {10, 100, 200}) {
        auto tag = static_cast<uint8_t>(t);
        auto f = display.frame();
        ASSERT_TRUE(f.ok());
        paint(*f, tag);
        // Not yet shown: the visible half still holds the previous picture.
        EXPECT_NE(fb.visibleRow(5)[0], static_cast<uint8_t>(tag + 5));
        ASSERT_TRUE(display.present().ok());
        EXPECT_EQ(fb.visibleRow(5)[0], static_cast<uint8_t>(tag + 5));
    }
    EXPECT_EQ(fb.pans(), 3);
}

TEST(FbdevDisplayTest, CopiesWhenTheDriverCannotPanAndHonoursAPaddedStride) {
    fakes::FakeFramebuffer fb({.width = 50,
                               .height = 20,
                               .bitsPerPixel = 16,
                               .lineLength = 128,
                               .memoryBytes = 128 * 20,
                               .allowVirtualResize = false});
    FbdevDisplay display(spec("fbdev"), fb);
    ASSERT_TRUE(display.init().ok());
    EXPECT_FALSE(display.info().pageFlip);
    EXPECT_EQ(display.info().format, DisplayFormat::Rgb565);
    auto f = display.frame();
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->strideBytes, 128u);
    paint(*f, 7);
    ASSERT_TRUE(display.present().ok());
    EXPECT_EQ(fb.visibleRow(19)[99], 7 + 19);
    EXPECT_EQ(fb.pans(), 0);
}

TEST(FbdevDisplayTest, TakesRedFirst32BitFramebuffersAsVfbHasThem) {
    fakes::FakeFramebuffer fb({.bitsPerPixel = 32, .redFirst = true});
    FbdevDisplay display(spec("fbdev"), fb);
    ASSERT_TRUE(display.init().ok());
    EXPECT_EQ(display.info().format, DisplayFormat::Xbgr8888);
}

TEST(FbdevDisplayTest, RefusesWhatItCannotDrawWithAdvice) {
    fakes::FakeFramebuffer fb({.bitsPerPixel = 8});
    FbdevDisplay display(spec("fbdev:/dev/fb0"), fb);
    Status st = display.init();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::DisplayOpen);
    EXPECT_NE(std::string(st.error().message()).find("fbset -depth 32"), std::string::npos);
    FbdevDisplay missing(spec("fbdev:/dev/fb9"), fb);
    Status gone = missing.init();
    ASSERT_FALSE(gone.ok());
    EXPECT_NE(std::string(gone.error().message()).find("/dev/fb9"), std::string::npos);
}

TEST(FbdevDisplayTest, AFailedFlipIsAnError) {
    fakes::FakeFramebuffer fb({.failPan = true});
    FbdevDisplay display(spec("fbdev"), fb);
    ASSERT_TRUE(display.init().ok());
    ASSERT_TRUE(display.frame().ok());
    Status st = display.present();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::DisplayIo);
}

TEST(FileDisplayTest, WritesEachPresentedFrameAsAPng) {
    test::TempDir tmp("screens");
    ASSERT_TRUE(tmp.ok());
    const std::string& dir = tmp.path();
    FileDisplay display(spec(("file:" + dir + ",width=4,height=2").c_str()));
    ASSERT_TRUE(display.init().ok());
    auto f = display.frame();
    ASSERT_TRUE(f.ok());
    for (uint32_t y = 0; y < 2; ++y)
        for (uint32_t x = 0; x < 4; ++x) {
            uint8_t* p = f->pixels + y * f->strideBytes + 4 * x;
            p[0] = 30;                            // blue
            p[1] = 20;                            // green
            p[2] = static_cast<uint8_t>(10 + x);  // red
        }
    ASSERT_TRUE(display.present().ok());
    ASSERT_TRUE(display.present().ok());
    std::ifstream in(dir + "/screen-0001.png", std::ios::binary);
    std::vector<uint8_t> png((std::istreambuf_iterator<char>(in)), {});
    ASSERT_GT(png.size(), 60u);
    EXPECT_EQ(std::memcmp(png.data(), "\x89PNG\r\n\x1a\n", 8), 0);
    EXPECT_EQ(png[19], 4);  // IHDR width (big-endian, low byte)
    EXPECT_EQ(png[23], 2);  // height
    // IDAT: zlib header, then a stored block per row: header (5), filter byte, RGB.
    size_t row0 = 8 + 25 + 8 + 2 + 5;
    EXPECT_EQ(png[row0], 0);               // filter none
    EXPECT_EQ(png[row0 + 1 + 3 * 3], 13);  // red of pixel 3
    EXPECT_EQ(png[row0 + 1 + 3 * 3 + 2], 30);
    EXPECT_EQ(::access((dir + "/screen-0002.png").c_str(), F_OK), 0);
}

TEST(DisplayRegistryTest, NamesWhatIsAvailableAndWhatIsWrong) {
    auto unknown = makeDisplay(spec("hdmi"));
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(std::string(unknown.error().message()).find("null,file,fbdev"), std::string::npos);
    auto option = makeDisplay(spec("null,colour=red"));
    ASSERT_FALSE(option.ok());
    EXPECT_STREQ(option.error().message(),
                 "display 'null' takes no option 'colour' (it takes: width,height)");
    auto null = makeDisplay(spec("null,width=320,height=240"));
    ASSERT_TRUE(null.ok());
    ASSERT_TRUE((*null)->init().ok());
    EXPECT_EQ((*null)->info().width, 320u);
    EXPECT_TRUE((*null)->present().ok());
}

}  // namespace
}  // namespace snapstage::hal
