// SPDX-License-Identifier: MIT
// Tests of the file camera.
#include "hal/sim/camera_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "tests/support/temp_dir.h"

namespace snapstage::hal {
namespace {

class FileCameraTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(tmp_.ok()); }
    void writePpm(const std::string& name, int w, int h, unsigned char value) {
        FILE* f = std::fopen((dir_ + "/" + name).c_str(), "wb");
        std::fprintf(f, "P6\n# test\n%d %d\n255\n", w, h);
        for (int i = 0; i < w * h * 3; ++i)
            std::fputc(value, f);
        std::fclose(f);
    }
    test::TempDir tmp_{"cam"};
    const std::string dir_ = tmp_.path();
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
    EXPECT_TRUE(cam.info().streams) << "a folder of frames replays as a stream";

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
    EXPECT_FALSE(cam.info().streams) << "one photo: nothing to preview";
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

// Opens `fifo` for writing (and closes it) after 2 s unless destroyed first: unblocks a reader
// stuck in open(), so that a regression fails the test instead of hanging it. A passing test
// destroys it at once (no sleep).
class FifoUnblocker {
public:
    explicit FifoUnblocker(std::string fifo) : fifo_(std::move(fifo)) {
        thread_ = std::thread([this] {
            std::unique_lock<std::mutex> lock(mutex_);
            if (done_.wait_for(lock, std::chrono::seconds(2), [this] { return finished_; })) return;
            int fd = ::open(fifo_.c_str(), O_WRONLY | O_NONBLOCK);
            if (fd >= 0) ::close(fd);
        });
    }
    ~FifoUnblocker() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            finished_ = true;
        }
        done_.notify_one();
        thread_.join();
    }

private:
    std::string fifo_;
    std::mutex mutex_;
    std::condition_variable done_;
    bool finished_ = false;
    std::thread thread_;
};

TEST_F(FileCameraTest, RefusesAFifoOrAFolderHoldingOneWithoutBlocking) {
    for (const char* name : {"pipe.jpg", "in-folder/pipe.jpg"}) {
        SCOPED_TRACE(name);
        // Given a FIFO with no writer, named directly or sitting in the camera's folder
        ::mkdir((dir_ + "/in-folder").c_str(), 0755);
        const std::string fifo = dir_ + "/" + name;
        ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
        const std::string target =
            std::string(name).find('/') == std::string::npos ? fifo : dir_ + "/in-folder";
        FileCamera cam(*DeviceSpec::parse("file:" + target));
        FifoUnblocker unblocker(fifo);
        // When the camera starts
        const auto t0 = std::chrono::steady_clock::now();
        auto st = cam.init();
        const auto took = std::chrono::steady_clock::now() - t0;
        // Then it is refused at once, with a message naming the FIFO
        ASSERT_FALSE(st.ok());
        EXPECT_LT(took, std::chrono::milliseconds(1000));
        EXPECT_EQ(st.error().code(), Errc::CameraOpen);
        EXPECT_NE(std::string(st.error().message()).find(fifo + " is a FIFO"), std::string::npos)
            << st.error().message();
    }
}

TEST_F(FileCameraTest, RefusesADevice) {
    FileCamera cam(*DeviceSpec::parse("file:/dev/null"));
    auto st = cam.init();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(std::string(st.error().message()).find("/dev/null is a character device"),
              std::string::npos)
        << st.error().message();
}

// True when /proc/self/maps lists `path` (a file mapped into this process).
bool isMapped(const std::string& path) {
    std::ifstream maps("/proc/self/maps");
    std::stringstream text;
    text << maps.rdbuf();
    return text.str().find(path) != std::string::npos;
}

TEST_F(FileCameraTest, LendsTheFrameFromAMapOfTheFileAndSeesItReplaced) {
    // Given a PPM file
    writePpm("photo.ppm", 4, 2, 100);
    const std::string path = dir_ + "/photo.ppm";
    FileCamera cam(*DeviceSpec::parse("file:" + path));
    ASSERT_TRUE(cam.init().ok());
    ASSERT_TRUE(cam.start().ok());
    // When a frame is captured, it is lent from a mapping of the file, not a copy
    auto f = cam.capture(100);
    ASSERT_TRUE(f.ok()) << f.error().message();
    // Under qemu-user the listing of mappings is the emulator's and has been seen without file
    // names: the check holds where the test binary's own file is listed.
    char self[4096] = {};
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0 && isMapped(self)) {
        EXPECT_TRUE(isMapped(path));
    }
    EXPECT_EQ(static_cast<uint8_t>(f->planes[0].data[0]), 100);
    cam.release(*f);
    // And when the file is replaced by another (rename), the next frame shows the new one
    writePpm("next.ppm", 6, 4, 200);
    ASSERT_EQ(std::rename((dir_ + "/next.ppm").c_str(), path.c_str()), 0);
    f = cam.capture(100);
    ASSERT_TRUE(f.ok()) << f.error().message();
    EXPECT_EQ(f->width, 6u);
    EXPECT_EQ(static_cast<uint8_t>(f->planes[0].data[0]), 200);
    cam.release(*f);
}

TEST_F(FileCameraTest, RefusesAnEmptyFileNamingIt) {
    std::fclose(std::fopen((dir_ + "/empty.jpg").c_str(), "wb"));
    FileCamera cam(*DeviceSpec::parse("file:" + dir_ + "/empty.jpg"));
    auto st = cam.init();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(std::string(st.error().message()).find("empty.jpg"), std::string::npos);
}

}  // namespace
}  // namespace snapstage::hal
