// SPDX-License-Identifier: MIT
// Tests of the spool: a job is on disk before anything is sent, damage is moved aside, retention
// never removes an unfinished job.
#include "firmware/jobs/spool.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "tests/support/alloc_counter.h"
#include "tests/support/temp_dir.h"

namespace snapstage::jobs {
namespace {

class SpoolTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(tmp_.ok());
        photo_ = dir_ + "/photo.JPG";
        std::ofstream(photo_) << "\xff\xd8\xff photo bytes \xff\xd9";
        ASSERT_TRUE(spool_.init(dir_ + "/spool", clock_).ok());
    }
    bool exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }
    // A job folder holding a photo and no job.json, made now by the spool's clock.
    std::string youngFolderWithoutRecord() {
        std::string folder = dir_ + "/spool/jobs/20270115-080000-abcdef";
        EXPECT_EQ(::mkdir(folder.c_str(), 0750), 0);
        std::ofstream(folder + "/input-1.jpg") << "half a photo";
        struct timeval now[2] = {{static_cast<time_t>(clock_.wallSeconds()), 0},
                                 {static_cast<time_t>(clock_.wallSeconds()), 0}};
        EXPECT_EQ(::utimes(folder.c_str(), now), 0);
        return folder;
    }
    std::unique_ptr<Job> newJob() {
        auto job = std::make_unique<Job>();
        job->request.tool.assign("tool-virtual-staging");
        EXPECT_TRUE(spool_.create(*job, {photo_, "", ""}).ok());
        return job;
    }

    test::TempDir tmp_{"spool"};  // first made, last removed
    const std::string dir_ = tmp_.path();
    std::string photo_;
    ManualClock clock_{1800000000};
    Spool spool_;
};

TEST_F(SpoolTest, CreateCopiesTheInputAndWritesTheRecordFirst) {
    auto job = newJob();
    std::string folder = dir_ + "/spool/jobs/" + job->id.c_str();
    EXPECT_TRUE(exists(folder + "/job.json"));
    EXPECT_TRUE(exists(folder + "/input-1.jpg"));
    EXPECT_EQ(job->request.image.view(), folder + "/input-1.jpg");
    EXPECT_EQ(job->state, JobState::Queued);
    auto again = std::make_unique<Job>();
    ASSERT_TRUE(spool_.load(job->id.view(), *again).ok());
    EXPECT_EQ(again->request.tool.view(), "tool-virtual-staging");
    EXPECT_EQ(again->createdS, 1800000000);
}

TEST_F(SpoolTest, AMissingInputLeavesNoJobBehind) {
    auto job = std::make_unique<Job>();
    Status st = spool_.create(*job, {dir_ + "/nope.jpg", "", ""});
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::NotFound);
    auto ids = spool_.ids();
    ASSERT_TRUE(ids.ok());
    EXPECT_TRUE(ids->empty());
}

TEST_F(SpoolTest, ADamagedRecordIsMovedAsideAndTheRestKeepsWorking) {
    auto good = newJob();
    auto bad = newJob();
    std::string badFile = dir_ + "/spool/jobs/" + bad->id.c_str() + "/job.json";
    ::truncate(badFile.c_str(), 20);  // cut short, as by a power loss on a careless writer
    auto job = std::make_unique<Job>();
    Status st = spool_.load(bad->id.view(), *job);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::StorageFormat);
    EXPECT_NE(std::string(st.error().message()).find("moved aside"), std::string::npos);
    EXPECT_FALSE(exists(dir_ + "/spool/jobs/" + bad->id.c_str()));
    auto ids = spool_.ids();
    ASSERT_TRUE(ids.ok());
    ASSERT_EQ(ids->size(), 1u);
    EXPECT_TRUE(spool_.load(good->id.view(), *job).ok());
}

TEST_F(SpoolTest, AFolderBeingMadeIsLeftAloneUntilItIsOld) {
    // Given a job folder another process is still filling (the photo, no job.json yet), made
    // just now by the spool's clock
    std::string folder = youngFolderWithoutRecord();
    // When a reader (a listing, a resume) comes across it
    auto job = std::make_unique<Job>();
    Status st = spool_.load("20270115-080000-abcdef", *job);
    // Then it is skipped, not moved aside
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::NotFound);
    EXPECT_STREQ(st.error().message(), "job 20270115-080000-abcdef is still being made");
    EXPECT_TRUE(exists(folder + "/input-1.jpg"));
    // And once it has been left like that for longer than any copy takes, it is damage
    clock_.advanceMs((Spool::kMakingSeconds + 1) * 1000);
    st = spool_.load("20270115-080000-abcdef", *job);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::StorageFormat);
    EXPECT_FALSE(exists(folder));
}

TEST_F(SpoolTest, TheSpoolsSoleHolderMovesAFolderWithoutRecordAsideAtOnce) {
    // Given a process holding the spool alone (a resume after a power cut: no one else can be
    // making a job) and a young folder without job.json
    ASSERT_TRUE(spool_.lock(true).ok());
    std::string folder = youngFolderWithoutRecord();
    // When it loads it
    auto job = std::make_unique<Job>();
    Status st = spool_.load("20270115-080000-abcdef", *job);
    // Then the folder is what a crash left: moved aside
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::StorageFormat);
    EXPECT_FALSE(exists(folder));
}

TEST_F(SpoolTest, RetentionPrunesOldFinishedJobsOnly) {
    auto done = newJob();
    auto open = newJob();
    done->state = JobState::Done;
    ASSERT_TRUE(spool_.save(*done).ok());
    ASSERT_TRUE(spool_.save(*open).ok());
    clock_.advanceMs(8LL * 86400 * 1000);
    auto removed = spool_.prune(7);
    ASSERT_TRUE(removed.ok());
    EXPECT_EQ(*removed, 1u);
    auto job = std::make_unique<Job>();
    EXPECT_FALSE(spool_.load(done->id.view(), *job).ok());
    EXPECT_TRUE(spool_.load(open->id.view(), *job).ok());
}

TEST_F(SpoolTest, RetentionReadsOnlyJobsMadeBeforeTheCutoff) {
    // Given a job made now whose job.json is damaged
    auto young = newJob();
    std::string folder = dir_ + "/spool/jobs/" + young->id.c_str();
    std::ofstream(folder + "/job.json") << "{\"format\":1,";
    // When retention runs, Then it does not read it (its id says it is too young to remove)
    auto removed = spool_.prune(7);
    ASSERT_TRUE(removed.ok());
    EXPECT_EQ(*removed, 0u);
    EXPECT_TRUE(exists(folder));
    // When it runs 8 days later, Then it reads it, and moves the damaged record aside
    clock_.advanceMs(8LL * 86400 * 1000);
    removed = spool_.prune(7);
    ASSERT_TRUE(removed.ok());
    EXPECT_EQ(*removed, 0u);
    EXPECT_FALSE(exists(folder));
}

TEST_F(SpoolTest, OnlyOneProcessCarriesTheJobsOnAtATime) {
    // Submits share the spool; a resumer (or the kiosk) needs it alone.
    Spool a, b, c;  // other processes' views (flock is per open file)
    for (Spool* s : {&a, &b, &c})
        ASSERT_TRUE(s->init(dir_ + "/spool", clock_).ok());
    ASSERT_TRUE(a.lock(false).ok());
    ASSERT_TRUE(b.lock(false).ok());
    Status st = c.lock(true);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(std::string(st.error().message()).find("in use by another snapstage"),
              std::string::npos);
    ASSERT_TRUE(spool_.lock(true).ok() == false);
    Spool d;
    ASSERT_TRUE(d.init(dir_ + "/other-spool", clock_).ok());
    ASSERT_TRUE(d.lock(true).ok());
    Spool e;
    ASSERT_TRUE(e.init(dir_ + "/other-spool", clock_).ok());
    EXPECT_FALSE(e.lock(false).ok());  // and no submit beside a resumer
}

TEST_F(SpoolTest, SavingAllocatesNothing) {
    auto job = newJob();
    test::AllocScope scope;
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(spool_.save(*job).ok());
    ASSERT_TRUE(spool_.load(job->id.view(), *job).ok());
    EXPECT_EQ(scope.stop().operatorNew, 0u);
}

}  // namespace
}  // namespace snapstage::jobs
