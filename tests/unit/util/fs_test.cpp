// SPDX-License-Identifier: MIT
// Tests of the file helpers.
#include "firmware/util/fs.h"

#include <dirent.h>
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

namespace snapstage::fs {
namespace {

class FsTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/snapstage-fs-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
    int entries() {
        int n = 0;
        DIR* d = ::opendir(dir_.c_str());
        while (dirent* e = ::readdir(d))
            n += e->d_name[0] != '.';
        ::closedir(d);
        return n;
    }
    std::string dir_;
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
