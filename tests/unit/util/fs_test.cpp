// SPDX-License-Identifier: MIT
// Tests of the file helpers.
#include "firmware/util/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/support/alloc_counter.h"
#include "tests/support/temp_dir.h"

namespace snapstage::fs {
namespace {

class FsTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(tmp_.ok()); }
    int entries() {
        int n = 0;
        DIR* d = ::opendir(dir_.c_str());
        while (dirent* e = ::readdir(d))
            n += e->d_name[0] != '.';
        ::closedir(d);
        return n;
    }
    test::TempDir tmp_{"fs"};
    const std::string dir_ = tmp_.path();
};

TEST_F(FsTest, AtomicWriteReplacesContentAndLeavesNoTemporary) {
    std::string path = dir_ + "/job.json";
    ASSERT_TRUE(writeFileAtomic(path, bytes("first")).ok());
    ASSERT_TRUE(writeFileAtomic(path, bytes("second")).ok());
    auto text = readTextFile(path, 100);
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(*text, "second");
    EXPECT_EQ(entries(), 1);
}

TEST_F(FsTest, ReplaceSwapsTheWholeFileWithTheModeAsked) {
    // Given a file made by replaceFile (no fsync, for files made again at each change)
    std::string path = dir_ + "/snapstage.prom";
    ASSERT_TRUE(replaceFile(path, bytes("old"), 0600).ok());
    // When it is replaced
    ASSERT_TRUE(replaceFile(path, bytes("new text"), 0644).ok());
    // Then the new content is there whole, with the new mode, and no temporary is left
    auto text = readTextFile(path, 100);
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(*text, "new text");
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
    EXPECT_EQ(entries(), 1);
}

TEST_F(FsTest, AbandonedAtomicFileNeverAppears) {
    std::string path = dir_ + "/out.jpg";
    {
        AtomicFile f;
        ASSERT_TRUE(f.open(path).ok());
        ASSERT_TRUE(f.write(bytes("partial")).ok());
    }
    EXPECT_NE(::access(path.c_str(), F_OK), 0);
    EXPECT_EQ(entries(), 0);
}

TEST_F(FsTest, AtomicFileCopiesTheRestOfAnOpenFileInTheKernel) {
    std::string src = dir_ + "/photo.jpg", path = dir_ + "/input-1.jpg";
    std::string content(3 * 1024 * 1024 + 17, '\0');
    for (size_t i = 0; i < content.size(); ++i)
        content[i] = static_cast<char>(i * 7 + i / 4096);
    ASSERT_TRUE(writeFileAtomic(src, bytes(content)).ok());
    int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(in, 0);
    ASSERT_EQ(::lseek(in, 5, SEEK_SET), 5);  // from where the file stands, as read() would
    AtomicFile f;
    ASSERT_TRUE(f.open(path).ok());
    ASSERT_TRUE(f.write(bytes("head|")).ok());
    Status st = f.copyFrom(in);
    ::close(in);
    if (!st.ok() && st.error().code() == Errc::NotSupported)
        GTEST_SKIP() << "no copy_file_range here: " << st.error().message();
    ASSERT_TRUE(st.ok()) << st.error().message();
    ASSERT_TRUE(f.commit().ok());
    auto text = readTextFile(path, 8u << 20);
    ASSERT_TRUE(text.ok());
    EXPECT_TRUE(*text == "head|" + content.substr(5));
    AtomicFile closed;
    EXPECT_EQ(closed.copyFrom(0).error().code(), Errc::Internal);
}

TEST_F(FsTest, AtomicFileAllocatesNothingOnceConstructed) {
    std::string path = dir_ + "/result.jpg";
    AtomicFile f;
    test::AllocScope scope;
    ASSERT_TRUE(f.open(path).ok());
    ASSERT_TRUE(f.write(bytes("jpeg bytes")).ok());
    ASSERT_TRUE(f.commit().ok());
    EXPECT_EQ(scope.stop().operatorNew, 0u);
    EXPECT_EQ(::access(path.c_str(), F_OK), 0);
}

TEST_F(FsTest, AtomicFileRefusesAPathTooLongAndNamesTheTargetOnErrors) {
    AtomicFile f;
    std::string longPath(kMaxPathBytes, 'a');
    auto st = f.open(longPath);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::InvalidArgument);
    auto missing = f.open(dir_ + "/no-such-folder/out.jpg");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(std::string(missing.error().message()).find("no-such-folder/out.jpg"),
              std::string::npos);
}

TEST_F(FsTest, ReadErrorsNameThePathAndLimit) {
    auto missing = readFile(dir_ + "/nope", 10);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), Errc::NotFound);
    EXPECT_NE(std::string(missing.error().message()).find("/nope"), std::string::npos);
    ASSERT_TRUE(writeFileAtomic(dir_ + "/big", bytes("0123456789abc")).ok());
    auto big = readFile(dir_ + "/big", 10);
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().code(), Errc::Overflow);
}

TEST_F(FsTest, MakeDirsCreatesParents) {
    std::string deep = dir_ + "/a/b/c";
    ASSERT_TRUE(makeDirs(deep).ok());
    struct stat st {};
    ASSERT_EQ(::stat(deep.c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_TRUE(makeDirs(deep).ok());
}

TEST_F(FsTest, DiskUsageCountsEveryFileBelowAsDuDoes) {
    // Given files two levels down, and a link that points out of the folder
    ASSERT_TRUE(makeDirs(dir_ + "/tree/a/b").ok());
    std::vector<std::byte> data(100 * 1024, std::byte{1});
    ASSERT_TRUE(writeFileAtomic(dir_ + "/tree/a/b/big", data).ok());
    ASSERT_TRUE(writeFileAtomic(dir_ + "/tree/small", std::span(data).first(10)).ok());
    ASSERT_TRUE(writeFileAtomic(dir_ + "/outside", data).ok());
    ASSERT_EQ(::symlink((dir_ + "/outside").c_str(), (dir_ + "/tree/link").c_str()), 0);
    // When its usage is counted
    auto bytes = diskUsage((dir_ + "/tree").c_str());
    ASSERT_TRUE(bytes.ok()) << bytes.error().message();
    // Then it is the sum of the allocated blocks of everything in it, not what the link names
    uint64_t expected = 0;
    for (const char* p : {"/tree", "/tree/a", "/tree/a/b", "/tree/a/b/big", "/tree/small"}) {
        struct stat st {};
        ASSERT_EQ(::stat((dir_ + p).c_str(), &st), 0);
        expected += static_cast<uint64_t>(st.st_blocks) * 512;
    }
    struct stat link {};
    ASSERT_EQ(::lstat((dir_ + "/tree/link").c_str(), &link), 0);
    expected += static_cast<uint64_t>(link.st_blocks) * 512;
    EXPECT_EQ(*bytes, expected);
    EXPECT_GE(*bytes, 100u * 1024);
    // and depth 0 counts the folder's own entries only
    auto shallow = diskUsage((dir_ + "/tree").c_str(), 0);
    ASSERT_TRUE(shallow.ok());
    EXPECT_LT(*shallow, 100u * 1024);
    EXPECT_EQ(diskUsage((dir_ + "/none").c_str()).error().code(), Errc::NotFound);
}

// In a child process (the file size limit is per process): a write that runs out of room, as
// on a full disk, must name the file asked for, not the temporary beside it.
void writeBeyondTheSizeLimit(const std::string& path) {
    std::signal(SIGXFSZ, SIG_IGN);  // write() then fails with EFBIG instead of killing
    rlimit limit{1024, 1024};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) std::_Exit(3);
    std::vector<std::byte> data(64 * 1024, std::byte{0x55});
    Status st = writeFileAtomic(path, data);
    if (st.ok()) std::_Exit(2);
    const std::string message = st.error().message();
    std::fprintf(stderr, "%s\n", message.c_str());
    std::_Exit(message.find(path) != std::string::npos && message.find(".tmp-") == std::string::npos
                   ? 0
                   : 1);
}

TEST_F(FsTest, AFailedWriteNamesTheFileNotItsTemporary) {
    const std::string path = dir_ + "/cap.jpg";
    EXPECT_EXIT(writeBeyondTheSizeLimit(path), ::testing::ExitedWithCode(0),
                "cannot write .*cap.jpg");
    EXPECT_EQ(entries(), 0);  // and no temporary is left behind
}

}  // namespace
}  // namespace snapstage::fs
