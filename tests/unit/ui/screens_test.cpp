// SPDX-License-Identifier: MIT
// Tests of the screens: each one rendered at the smallest and largest screens of the boards
// (800x480 and 1920x1080, and RGB565), checked for what a visitor would see: text inside the
// frame, a progress bar in proportion, the result images where they belong, no allocation.
#include "firmware/ui/screens.h"

#include "firmware/ui/qr.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "firmware/image/decoder.h"
#include "hal/camera.h"
#include "tests/support/alloc_counter.h"

namespace snapstage::ui {
namespace {

struct Size {
    uint32_t w, h;
    hal::DisplayFormat format;
};

class ScreensTest : public ::testing::TestWithParam<Size> {
protected:
    void SetUp() override {
        Size s = GetParam();
        uint32_t bpp = s.format == hal::DisplayFormat::Rgb565 ? 2 : 4;
        stride_ = s.w * bpp + 64;  // a padded stride, as drivers have
        pixels_.assign(static_cast<size_t>(stride_) * s.h, 0);
        frame_ = {pixels_.data(), s.w, s.h, stride_, s.format};
        ASSERT_TRUE(screens_.init(s.w, s.h).ok());
    }
    ScreenLayout render(const ScreenState& st) {
        auto r = screens_.render(st, frame_);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
        return r.ok() ? *r : ScreenLayout{};
    }
    Rect bounds() const {
        return {0, 0, static_cast<int32_t>(frame_.width), static_cast<int32_t>(frame_.height)};
    }
    static std::vector<std::byte> photo() {
        std::ifstream in(std::string(SNAPSTAGE_TEST_DATA_DIR) + "/photos/lakeside-640.jpg",
                         std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
        std::vector<std::byte> out(bytes.size());
        std::memcpy(out.data(), bytes.data(), bytes.size());
        return out;
    }

    std::vector<uint8_t> pixels_;
    uint32_t stride_ = 0;
    hal::DisplayFrame frame_;
    Screens screens_;
};

TEST_P(ScreensTest, EveryScreenKeepsItsTextInsideTheFrame) {
    const Choice choices[] = {{"Room", "Living room"}, {"Style", "Scandinavian"}};
    for (ScreenKind k : {ScreenKind::Ready, ScreenKind::Countdown, ScreenKind::Capture,
                         ScreenKind::Uploading, ScreenKind::Processing, ScreenKind::Error}) {
        ScreenState st;
        st.kind = k;
        st.message = "No network: the photo is saved and will be sent when the network is back.";
        st.choices = choices;
        st.focused = 1;
        st.countdown = 3;
        st.sent = 300000;
        st.total = 1200000;
        st.etaS = 12;
        ScreenLayout l = render(st);
        EXPECT_GT(l.title.w, 0) << to_string(k);
        EXPECT_TRUE(l.title.inside(bounds())) << to_string(k);
        EXPECT_TRUE(l.message.inside(bounds())) << to_string(k);
        EXPECT_GT(l.message.h, 0) << to_string(k);
        if (k == ScreenKind::Countdown) {
            EXPECT_TRUE(l.countdown.inside(bounds()));
        }
    }
}

TEST_P(ScreensTest, TheProgressBarIsInProportion) {
    Canvas c(frame_);
    for (uint64_t sent : {0ull, 250ull, 500ull, 1000ull}) {
        ScreenState st;
        st.kind = ScreenKind::Uploading;
        st.sent = sent;
        st.total = 1000;
        ScreenLayout l = render(st);
        ASSERT_TRUE(l.bar.inside(bounds()));
        double expected = static_cast<double>(l.bar.w) * static_cast<double>(sent) / 1000.0;
        EXPECT_NEAR(l.barFilled.w, expected, 1.0);
        // The filled part is drawn in the accent colour, the rest in the track colour.
        int32_t y = l.bar.y + l.bar.h / 2;
        if (l.barFilled.w > 2) {
            EXPECT_GT(c.at(l.bar.x + 1, y).b, 150);
        }
        if (sent < 1000) {
            EXPECT_LT(c.at(l.bar.right() - 2, y).b, 100);
        }
    }
}

TEST_P(ScreensTest, TheResultShowsBothImagesSideBySideOrOneAtATime) {
    auto jpeg = photo();
    ScreenState st;
    st.kind = ScreenKind::Result;
    st.before = jpeg;
    st.after = jpeg;
    ScreenLayout l = render(st);
    ASSERT_GT(l.before.w, 0);
    ASSERT_GT(l.after.w, 0);
    EXPECT_TRUE(l.before.inside(bounds()));
    EXPECT_TRUE(l.after.inside(bounds()));
    EXPECT_LT(l.before.right(), l.after.x);
    // The photo's pixels, not the background: its sky is bright.
    Canvas c(frame_);
    Rgb sky = c.at(l.after.x + l.after.w / 2, l.after.y + 2);
    EXPECT_GT(sky.r + sky.g + sky.b, 200);
    st.afterOnly = true;
    ScreenLayout one = render(st);
    EXPECT_GE(one.after.w, l.after.w);
    EXPECT_LT(one.after.x, l.after.x);  // centred on the whole screen, not in its right half
    EXPECT_EQ(one.before.w, 0);
}

TEST_P(ScreensTest, APublicResultGetsAQrCodeInsideTheFrame) {
    if (!qrAvailable()) GTEST_SKIP() << "built without libqrencode";
    auto jpeg = photo();
    ScreenState st;
    st.kind = ScreenKind::Result;
    st.before = jpeg;
    st.after = jpeg;
    st.link = "https://cdn.example.com/results/6878b6d52ecd619eab1f886d.jpg";
    ScreenLayout l = render(st);
    ASSERT_GT(l.qr.w, 20);
    EXPECT_EQ(l.qr.w, l.qr.h);
    EXPECT_TRUE(l.qr.inside(bounds()));
    // White quiet zone at the corner, dark modules inside.
    Canvas c(frame_);
    EXPECT_GT(c.at(l.qr.x, l.qr.y).r, 240);
    int dark = 0;
    for (int32_t y = l.qr.y; y < l.qr.bottom(); y += 2)
        for (int32_t x = l.qr.x; x < l.qr.right(); x += 2)
            dark += c.at(x, y).r < 40;
    EXPECT_GT(dark, 50);
}

TEST_P(ScreensTest, APhotoCoversTheFrameWithTheBackgroundAroundIt) {
    // The picture is drawn first and the background only around it: every pixel of a frame
    // left dirty by the last screen must be written, and the picture must survive.
    std::fill(pixels_.begin(), pixels_.end(), 0x5a);
    auto jpeg = photo();
    ScreenState st;
    st.kind = ScreenKind::Photo;
    st.after = jpeg;
    ScreenLayout l = render(st);
    ASSERT_GT(l.after.w, 0);
    ASSERT_TRUE(l.after.inside(bounds()));
    Canvas c(frame_);
    Rgb background = c.at(0, 0);  // as the display stores it (RGB565 rounds)
    EXPECT_NE(background.r, 0x5a);
    size_t outside = 0, bad = 0;
    for (int32_t y = 0; y < bounds().h; ++y)
        for (int32_t x = 0; x < bounds().w; ++x) {
            bool in =
                x >= l.after.x && x < l.after.right() && y >= l.after.y && y < l.after.bottom();
            if (in) continue;
            ++outside;
            Rgb p = c.at(x, y);
            bad += p.r != background.r || p.g != background.g || p.b != background.b;
        }
    EXPECT_GT(outside, 0u);  // the 640x400 photo is drawn at most 1:1, smaller than any screen
    EXPECT_EQ(bad, 0u);
    Rgb sky = c.at(l.after.x + l.after.w / 2, l.after.y + 2);
    EXPECT_GT(sky.r + sky.g + sky.b, 200);  // the photo's bright sky, not background or dirt
}

TEST_P(ScreensTest, ABadImageIsAnErrorNotACrash) {
    std::byte junk[64] = {};
    ScreenState st;
    st.kind = ScreenKind::Result;
    st.after = junk;
    auto r = screens_.render(st, frame_);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), Errc::JpegDecode);
}

bool near(Rgb a, Rgb b, int tol) {
    return std::abs(a.r - b.r) <= tol && std::abs(a.g - b.g) <= tol && std::abs(a.b - b.b) <= tol;
}

TEST_P(ScreensTest, TheReadyScreenShowsTheCameraLiveBelowTheChooser) {
    // Given the pattern camera streaming 16:9 YUYV frames and a ready screen with a chooser
    auto spec = hal::DeviceSpec::parse("pattern,width=1280,height=720,format=yuyv");
    auto camera = hal::makeCamera(*spec);
    ASSERT_TRUE(camera.ok());
    ASSERT_TRUE((*camera)->init().ok());
    ASSERT_TRUE((*camera)->start().ok());
    auto lease = (*camera)->lease(100);
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE(screens_.initPreview(PixelFormat::Yuyv).ok());
    Choice choices[] = {{"Room", "Living room"}, {"Style", "Modern"}};
    ScreenState st;
    st.kind = ScreenKind::Ready;
    st.message = "Press the button to take a photo.";
    st.choices = choices;
    st.preview = &lease->frame();
    // When it is drawn
    ScreenLayout l = render(st);
    // Then the frame lands below the text, inside the screen, with the camera's aspect
    ASSERT_GT(l.preview.w, 0);
    EXPECT_TRUE(l.preview.inside(bounds()));
    EXPECT_GT(l.preview.y, l.message.bottom());
    EXPECT_NEAR(l.preview.w * 720.0 / 1280.0, l.preview.h, 1.0);
    EXPECT_GE(l.preview.h, static_cast<int32_t>(frame_.height) / 3) << "a preview worth seeing";
    // and shows the colour bars in their places
    Canvas c(frame_);
    const Rgb bars[8] = {{191, 191, 191}, {191, 191, 0}, {0, 191, 191}, {0, 191, 0},
                         {191, 0, 191},   {191, 0, 0},   {0, 0, 191},   {16, 16, 16}};
    const int tol = GetParam().format == hal::DisplayFormat::Rgb565 ? 12 : 6;
    for (int i = 0; i < 8; ++i) {
        Rgb got =
            c.at(l.preview.x + (2 * i + 1) * l.preview.w / 16, l.preview.y + l.preview.h * 9 / 100);
        EXPECT_TRUE(near(got, bars[i], tol))
            << "bar " << i << ": " << int(got.r) << "," << int(got.g) << "," << int(got.b);
    }
    // and the letterbox around it is the background
    Rgb beside = c.at(l.preview.x - 2, l.preview.y + l.preview.h / 2);
    Rgb corner = c.at(2, static_cast<int32_t>(frame_.height) - 2);
    EXPECT_TRUE(near(beside, corner, 0));
    // and drawing it again allocates nothing of ours
    test::AllocScope scope;
    render(st);
    EXPECT_EQ(scope.stop().operatorNew, 0u);
    // The countdown shows it too, behind the number.
    st.kind = ScreenKind::Countdown;
    st.countdown = 3;
    l = render(st);
    ASSERT_GT(l.preview.w, 0);
    EXPECT_TRUE(l.preview.inside(bounds()));
    EXPECT_GT(l.countdown.w, 0);
}

TEST_P(ScreensTest, AnMjpegCameraIsPreviewedThroughTheDecoderAtTheSameSize) {
    // Given an MJPEG camera's frame (a 640x400 JPEG)
    auto jpeg = photo();
    image::Decoder decoder;
    ASSERT_TRUE(decoder.init({}).ok());
    auto probed = decoder.probe(jpeg);  // the Mjpeg view a camera lends
    ASSERT_TRUE(probed.ok());
    ImageView frame = *probed;
    ASSERT_EQ(frame.width, 640u);
    ASSERT_EQ(frame.height, 400u);
    ASSERT_TRUE(screens_.initPreview(PixelFormat::Mjpeg).ok());
    ScreenState st;
    st.kind = ScreenKind::Ready;
    st.preview = &frame;
    // When the ready screen shows it
    ScreenLayout l = render(st);
    // Then it fills the same letterbox an uncompressed frame of that size gets (not just the
    // nearest DCT scale below it)
    ASSERT_GT(l.preview.w, 0);
    EXPECT_TRUE(l.preview.inside(bounds()));
    std::vector<std::byte> rgb(640 * 400 * 3, std::byte{90});
    ImageView raw;
    raw.format = PixelFormat::Rgb24;
    raw.width = 640;
    raw.height = 400;
    raw.planes[0] = {rgb, 640 * 3};
    raw.planeCount = 1;
    st.preview = &raw;
    ScreenLayout r = render(st);
    EXPECT_EQ(l.preview.x, r.preview.x);
    EXPECT_EQ(l.preview.y, r.preview.y);
    EXPECT_EQ(l.preview.w, r.preview.w);
    EXPECT_EQ(l.preview.h, r.preview.h);
}

TEST_P(ScreensTest, RenderingAllocatesNothing) {
    auto jpeg = photo();
    ScreenState st;
    st.kind = ScreenKind::Result;
    st.before = jpeg;
    st.after = jpeg;
    render(st);  // warm-up
    test::AllocScope scope;
    for (ScreenKind k : {ScreenKind::Uploading, ScreenKind::Processing, ScreenKind::Result}) {
        st.kind = k;
        render(st);
    }
    EXPECT_EQ(scope.stop().operatorNew, 0u);
}

INSTANTIATE_TEST_SUITE_P(Boards, ScreensTest,
                         ::testing::Values(Size{800, 480, hal::DisplayFormat::Xrgb8888},
                                           Size{1920, 1080, hal::DisplayFormat::Xrgb8888},
                                           Size{800, 480, hal::DisplayFormat::Rgb565},
                                           Size{800, 480, hal::DisplayFormat::Xbgr8888}));

}  // namespace
}  // namespace snapstage::ui
