// SPDX-License-Identifier: MIT
// Tests of the job.json format: every field survives a round trip; damage is reported.
#include "firmware/jobs/job.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace snapstage::jobs {
namespace {

TEST(JobJsonTest, EveryFieldSurvivesARoundTrip) {
    auto job = std::make_unique<Job>();
    job->id.assign("20261201-101500-abcdef");
    job->state = JobState::Downloading;
    job->vendor = cloud::Vendor::Autoenhance;
    job->createdS = 1800000000;
    job->submittedS = 1800000005;
    job->request.tool.assign("enhance");
    job->request.params[0].key.assign("enhance_type");
    job->request.params[0].value.assign("warm");
    job->request.paramCount = 1;
    job->request.image.assign("/spool/jobs/20261201-101500-abcdef/input-1.jpg");
    job->remote.image.assign("0b7a5f0e-8f3a-4d52-9c1e-2f6c1c3e9a11");
    job->remote.uploadUrl.assign("https://s3.example/put?sig=a%2Fb");
    job->remote.uploaded = true;
    job->remote.submitted = true;
    job->remote.pending.assign("image");
    job->remote.results[0].assign("/v3/images/x/enhanced?preview=false");
    job->remote.resultCount = 1;
    job->errorCode = Errc::NetTimeout;
    job->error.assign("read timed out");
    char buf[16384];
    auto text = writeJobJson(*job, buf);
    ASSERT_TRUE(text.ok());
    Arena arena;
    ASSERT_TRUE(arena.init(64 * 1024));
    auto back = std::make_unique<Job>();
    ASSERT_TRUE(readJobJson(*text, "/other/place", arena, *back).ok());
    EXPECT_EQ(back->id.view(), job->id.view());
    EXPECT_EQ(back->state, JobState::Downloading);
    EXPECT_EQ(back->vendor, cloud::Vendor::Autoenhance);
    EXPECT_EQ(back->submittedS, 1800000005);
    EXPECT_EQ(back->request.params[0].value.view(), "warm");
    // Inputs are stored by name and found again in the job's (possibly moved) folder.
    EXPECT_EQ(back->request.image.view(), "/other/place/input-1.jpg");
    EXPECT_EQ(back->request.jobId.view(), job->id.view());
    EXPECT_EQ(back->remote.uploadUrl.view(), job->remote.uploadUrl.view());
    EXPECT_TRUE(back->remote.uploaded);
    EXPECT_EQ(back->remote.pending.view(), "image");
    EXPECT_EQ(back->remote.resultCount, 1u);
    EXPECT_EQ(back->errorCode, Errc::NetTimeout);
    EXPECT_EQ(back->error.view(), "read timed out");
    EXPECT_EQ(std::string(*text).find("sandbox-key"), std::string::npos);
}

TEST(JobJsonTest, DamageIsReportedNotGuessed) {
    Arena arena;
    ASSERT_TRUE(arena.init(64 * 1024));
    auto job = std::make_unique<Job>();
    const char* bad[] = {
        R"({"id":"x","state":"done","vendor":"aihomedesign","api":"v3","inputs":{"image":"input-1.jpg"},"remote":{)",
        R"({"id":"x","state":"flying","vendor":"aihomedesign","api":"v3","inputs":{"image":"a.jpg"},"remote":{}})",
        R"({"id":"x","state":"done","vendor":"aihomedesign","api":"v3","inputs":{"image":"../../etc/passwd"},"remote":{}})",
        R"({"state":"done","vendor":"aihomedesign","api":"v3","inputs":{"image":"a.jpg"},"remote":{}})",
    };
    for (const char* text : bad) {
        Status st = readJobJson(text, "/d", arena, *job);
        ASSERT_FALSE(st.ok()) << text;
        EXPECT_EQ(st.error().code(), Errc::StorageFormat);
    }
}

}  // namespace
}  // namespace snapstage::jobs
