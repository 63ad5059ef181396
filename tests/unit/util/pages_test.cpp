// SPDX-License-Identifier: MIT
// Tests of the page-level buffers: a zeroed, present, aligned frame buffer, and a whole file
// mapped read-only with the errors a user sees for a bad path.
#include "firmware/util/pages.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <utility>

#include "tests/support/temp_dir.h"

namespace snapstage {
namespace {

// Pages of [p, p + n) that are resident, from mincore(2).
size_t residentPages(const void* p, size_t n) {
    const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    std::string vec((n + page - 1) / page, '\0');
    EXPECT_EQ(::mincore(const_cast<void*>(p), n, reinterpret_cast<unsigned char*>(vec.data())), 0);
    size_t count = 0;
    for (char c : vec)
        count += c & 1;
    return count;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

// Whether this kernel maps pages in on MADV_POPULATE_WRITE (Linux 5.14 on; an emulator may take
// the hint and do nothing, as qemu-user does).
bool populateWorks() {
    const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    void* p = ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return false;
    bool works =
        ::madvise(p, 2 * page, MADV_POPULATE_WRITE) == 0 && residentPages(p, 2 * page) == 2;
    ::munmap(p, 2 * page);
    return works;
}

TEST(PageBuffer, AFrameSizedBufferIsZeroedPresentAndHugePageAligned) {
    const size_t size = size_t{1920} * 1080 * 4;  // not a whole number of huge pages
    PageBuffer b;
    ASSERT_TRUE(b.allocate(size).ok());
    ASSERT_TRUE(b);
    EXPECT_EQ(b.size(), size);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % (2u << 20), 0u);
    const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    if (populateWorks()) {
        EXPECT_EQ(residentPages(b.data(), size), (size + page - 1) / page);  // no fault when drawn
    }
    for (size_t i = 0; i < size; i += 4093)
        ASSERT_EQ(b.data()[i], 0) << i;
    EXPECT_EQ(b.data()[size - 1], 0);
    b.data()[size - 1] = 7;  // the last byte asked for is writable
}

TEST(PageBuffer, ASmallBufferMovesAndIsReleased) {
    PageBuffer a;
    ASSERT_TRUE(a.allocate(100).ok());
    a.data()[99] = 1;
    PageBuffer b = std::move(a);
    EXPECT_FALSE(a);
    ASSERT_TRUE(b);
    EXPECT_EQ(b.size(), 100u);
    EXPECT_EQ(b.data()[99], 1);
    b.release();
    EXPECT_FALSE(b);
    EXPECT_EQ(b.size(), 0u);
}

TEST(PageBuffer, ZeroBytesIsRefused) {
    PageBuffer b;
    auto st = b.allocate(0);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::InvalidArgument);
}

class MappedFileTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(tmp_.ok()); }
    std::string write(const char* name, const std::string& content) {
        std::string path = dir_ + "/" + name;
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
    test::TempDir tmp_{"pages"};
    const std::string dir_ = tmp_.path();
};

TEST_F(MappedFileTest, TheWholeFileIsVisible) {
    std::string content(100000, 'x');
    content[0] = 'a';
    content.back() = 'z';
    auto path = write("photo.jpg", content);
    MappedFile f;
    ASSERT_TRUE(f.open(path.c_str(), 1 << 20).ok());
    ASSERT_EQ(f.bytes().size(), content.size());
    EXPECT_EQ(static_cast<char>(f.bytes()[0]), 'a');
    EXPECT_EQ(static_cast<char>(f.bytes().back()), 'z');
    MappedFile g = std::move(f);
    EXPECT_TRUE(f.bytes().empty());
    EXPECT_EQ(g.bytes().size(), content.size());
}

TEST_F(MappedFileTest, BadFilesAreRefusedWithTheirPath) {
    MappedFile f;
    auto missing = dir_ + "/missing.jpg";
    auto st = f.open(missing.c_str(), 1 << 20);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::NotFound);
    EXPECT_NE(std::string(st.error().message()).find(missing), std::string::npos);

    EXPECT_EQ(f.open(dir_.c_str(), 1 << 20).error().code(), Errc::StorageIo);  // a folder
    EXPECT_EQ(f.open(write("empty.jpg", "").c_str(), 1 << 20).error().code(), Errc::StorageFormat);
    EXPECT_EQ(f.open(write("big.jpg", std::string(2000, 'x')).c_str(), 1000).error().code(),
              Errc::Overflow);
    EXPECT_TRUE(f.bytes().empty());
}

}  // namespace
}  // namespace snapstage
