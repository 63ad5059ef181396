// SPDX-License-Identifier: MIT
// Tests of the file camera.
#include "hal/sim/camera_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace snapstage::hal {
namespace {

class FileCameraTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/snapstage-cam-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
    void writePpm(const std::string& name, int w, int h, unsigned char value) {
        FILE* f = std::fopen((dir_ + "/" + name).c_str(), "wb");
        std::fprintf(f, "P6\n# test\n%d %d\n255\n", w, h);
        for (int i = 0; i < w * h * 3; ++i)
            std::fputc(value, f);
        std::fclose(f);
    }
    std::string dir_;
};

TEST_F(FileCameraTest, ReplaysAFolderInNameOrderAtEachImagesSize) {
    writePpm("b.ppm", 6, 4, 200);
    writePpm("a.ppm", 4, 2, 100);
    writePpm("notes.txt", 1, 1, 0);
    auto spec = DeviceSpec::parse("file:" + dir_);
    ASSERT_TRUE(spec.ok());
    FileCamera cam(*spec);
    ASSERT_TRUE(cam.init().ok());
    ASSERT_TRUE(cam.start().ok());
    EXPECT_EQ(cam.info().width, 4u);

    const uint32_t widths[] = {4, 6, 4};
    const uint8_t values[] = {100, 200, 100};
    for (int i = 0; i < 3; ++i) {
        auto f = cam.capture(100);
        ASSERT_TRUE(f.ok()) << f.error().message();
        EXPECT_EQ(f->format, PixelFormat::Rgb24);
        EXPECT_EQ(f->width, widths[i]);
        EXPECT_EQ(f->planes[0].strideBytes, widths[i] * 3);
        EXPECT_EQ(static_cast<uint8_t>(f->planes[0].data[0]), values[i]);
        EXPECT_EQ(f->sequence, static_cast<uint64_t>(i));
        cam.release(*f);
    }
}

TEST_F(FileCameraTest, LendsJpegFilesAsMjpegFrames) {
    std::string photo = std::string(SNAPSTAGE_TEST_DATA_DIR) + "/photos/lakeside-640.jpg";
    if (::access(photo.c_str(), R_OK) != 0) GTEST_SKIP() << "test photo missing: " << photo;
    auto spec = DeviceSpec::parse("file:" + photo);
    ASSERT_TRUE(spec.ok());
    FileCamera cam(*spec);
    ASSERT_TRUE(cam.init().ok());
    ASSERT_TRUE(cam.start().ok());
    auto f = cam.capture(100);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->format, PixelFormat::Mjpeg);
    EXPECT_EQ(f->width, 640u);
    EXPECT_EQ(f->height, 400u);
    EXPECT_EQ(static_cast<uint8_t>(f->planes[0].data[0]), 0xFF);
}

TEST_F(FileCameraTest, ErrorsSayWhatIsWrong) {
    auto missing = DeviceSpec::parse("file:" + dir_ + "/none.jpg");
    FileCamera a(*missing);
    auto st = a.init();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::CameraOpen);

    auto empty = DeviceSpec::parse("file:" + dir_);
    FileCamera b(*empty);
    st = b.init();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(std::string(st.error().message()).find("no .jpg"), std::string::npos);

    FILE* f = std::fopen((dir_ + "/bad.jpg").c_str(), "wb");
    std::fputs("not an image", f);
    std::fclose(f);
    auto bad = DeviceSpec::parse("file:" + dir_ + "/bad.jpg");
    FileCamera c(*bad);
    st = c.init();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::StorageFormat);
}

}  // namespace
}  // namespace snapstage::hal
