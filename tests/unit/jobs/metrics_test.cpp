// SPDX-License-Identifier: MIT
// Tests of the fleet metrics: failure causes from error codes, histogram buckets, the counters
// record read back, the Prometheus text (checked line by line), and two writers on one spool
// adding up instead of overwriting each other.
#include "firmware/jobs/metrics.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace snapstage::jobs {
namespace {

std::string readAll(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// The samples of a Prometheus text: "name{labels}" -> value; HELP and TYPE lines by name.
struct Exposition {
    std::map<std::string, std::string> samples, help, type;
    explicit Exposition(const std::string& text) {
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream words(line);
            std::string a, b, c;
            words >> a >> b;
            std::getline(words, c);
            if (a == "#" && b == "HELP") help[c.substr(1, c.find(' ', 1) - 1)] = c;
            if (a == "#" && b == "TYPE")
                type[c.substr(1, c.find(' ', 1) - 1)] = c.substr(c.rfind(' ') + 1);
            if (a != "#") samples[a] = b;
        }
    }
};

TEST(FailureCause, FollowsTheErrorCodes) {
    struct Case {
        Error error;
        const char* cause;
    } cases[] = {
        {Error(Errc::NetDns, "no such host"), "network"},
        {Error(Errc::NetTimeout, "timed out"), "network"},
        {Error(Errc::Timeout, "timed out"), "network"},
        {Error(Errc::HttpProtocol, "bad reply"), "network"},
        {Error(Errc::TlsUntrusted, "untrusted"), "tls"},
        {Error(Errc::TlsExpired, "expired"), "tls"},
        {Error(Errc::TlsPin, "pin"), "tls"},
        {Error(Errc::TlsNotYetValid, "clock behind"), "clock"},
        {Error(Errc::ApiRejected, "refused the key", 401), "auth"},
        {Error(Errc::ApiRejected, "forbidden", 403), "auth"},
        {Error(Errc::ApiRejected, "unprocessable", 422), "rejected"},
        {Error(Errc::ApiServer, "503", -1), "server"},
        {Error(Errc::ApiRateLimited, "429", 30), "server"},
        {Error(Errc::ApiResponse, "not JSON"), "server"},
        {Error(Errc::ApiJobFailed, "the service failed the job"), "service"},
        {Error(Errc::StorageFull, "no space"), "storage"},
        {Error(Errc::StorageFormat, "damaged"), "storage"},
        {Error(Errc::CameraBusy, "busy"), "device"},
        {Error(Errc::JpegEncode, "encode"), "device"},
        {Error(Errc::NoMemory, "no memory"), "other"},
        {Error(Errc::Config, "bad config"), "other"},
    };
    for (const Case& c : cases) {
        FailureCause cause;
        ASSERT_TRUE(failureCause(c.error, cause)) << c.error.message();
        EXPECT_STREQ(to_string(cause), c.cause) << c.error.message();
    }
    FailureCause cause;
    EXPECT_FALSE(failureCause(Error(Errc::Interrupted, "stopped"), cause));
    EXPECT_FALSE(failureCause(Error(), cause));
}

TEST(Histogram, AValueOnABoundCountsInThatBucket) {
    const double bounds[] = {1, 5};
    Histogram h;
    for (double v : {0.5, 1.0, 1.01, 5.0, 7.0, -3.0})
        h.observe(bounds, v);
    // le="1" holds 0.5, 1.0 and the negative one (a clock set back counts as 0)
    EXPECT_EQ(h.counts[0], 3u);
    EXPECT_EQ(h.counts[1], 2u);
    EXPECT_EQ(h.counts[2], 1u);
    EXPECT_EQ(h.count, 6u);
    EXPECT_DOUBLE_EQ(h.sum, 0.5 + 1.0 + 1.01 + 5.0 + 7.0);
}

Counters sample() {
    Counters c;
    c.failures[static_cast<size_t>(FailureCause::Network)] = 3;
    c.failures[static_cast<size_t>(FailureCause::Auth)] = 1;
    c.uploadBytes = 5'000'000'123ull;
    c.upload.observe(kUploadBounds, 0.3);
    c.upload.observe(kUploadBounds, 4.2);
    c.upload.observe(kUploadBounds, 900);
    c.job.observe(kJobBounds, 42);
    c.lastSuccessS = 1767225600;
    c.tlsFull = 7;
    c.tlsResumed = 11;
    return c;
}

TEST(CountersRecord, ReadsBackWhatItWrote) {
    char buf[8192];
    Counters c = sample();
    auto text = writeCounters(c, buf);
    ASSERT_TRUE(text.ok());
    Counters back;
    ASSERT_TRUE(readCounters(*text, back).ok());
    EXPECT_EQ(back.failures[static_cast<size_t>(FailureCause::Network)], 3u);
    EXPECT_EQ(back.failures[static_cast<size_t>(FailureCause::Auth)], 1u);
    EXPECT_EQ(back.uploadBytes, 5'000'000'123ull);
    EXPECT_EQ(back.upload.count, 3u);
    EXPECT_DOUBLE_EQ(back.upload.sum, c.upload.sum);
    for (size_t i = 0; i <= Histogram::kMaxBounds; ++i) {
        EXPECT_EQ(back.upload.counts[i], c.upload.counts[i]) << i;
        EXPECT_EQ(back.job.counts[i], c.job.counts[i]) << i;
    }
    EXPECT_EQ(back.lastSuccessS, 1767225600);
    EXPECT_EQ(back.tlsFull, 7u);
    EXPECT_EQ(back.tlsResumed, 11u);
}

TEST(CountersRecord, UnknownNamesAndBoundsAreSkippedBadNumbersRefused) {
    Counters c;
    // A newer version's counter and a bucket bound that is not ours: skipped
    ASSERT_TRUE(readCounters("future_thing 5\nupload_le 0.75 9\ntls_full 2\n", c).ok());
    EXPECT_EQ(c.tlsFull, 2u);
    EXPECT_EQ(c.upload.count, 0u);
    for (uint64_t n : c.upload.counts)
        EXPECT_EQ(n, 0u);
    // A number that is not one: the line is named
    Status st = readCounters("tls_full 2\nupload_bytes 12x\n", c);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::StorageFormat);
    EXPECT_NE(std::string(st.error().message()).find("line 2"), std::string::npos);
}

TEST(CountersRecord, AddingSumsAndKeepsTheLaterSuccess) {
    Counters a = sample(), b = sample();
    b.lastSuccessS = 1767225000;
    a.add(b);
    EXPECT_EQ(a.failures[static_cast<size_t>(FailureCause::Network)], 6u);
    EXPECT_EQ(a.upload.count, 6u);
    EXPECT_EQ(a.lastSuccessS, 1767225600);
    EXPECT_FALSE(a.empty());
    EXPECT_TRUE(Counters{}.empty());
}

TEST(PrometheusText, EveryFamilyHasHelpTypeAndEverySeries) {
    char buf[16384];
    SpoolCensus census;
    census.jobs[static_cast<size_t>(JobState::Queued)] = 2;
    census.jobs[static_cast<size_t>(JobState::Done)] = 5;
    census.bytes = 123456;
    auto text = formatPrometheus(sample(), census, buf);
    ASSERT_TRUE(text.ok());
    Exposition e{std::string(*text)};
    const std::map<std::string, std::string> types = {
        {"snapstage_jobs", "gauge"},
        {"snapstage_job_failures_total", "counter"},
        {"snapstage_upload_bytes_total", "counter"},
        {"snapstage_upload_duration_seconds", "histogram"},
        {"snapstage_job_duration_seconds", "histogram"},
        {"snapstage_last_success_timestamp_seconds", "gauge"},
        {"snapstage_spool_bytes", "gauge"},
        {"snapstage_tls_handshakes_total", "counter"}};
    EXPECT_EQ(e.type, types);
    EXPECT_EQ(e.help.size(), types.size());
    // Every label value is there, zeros included
    for (const char* state :
         {"queued", "submitting", "processing", "downloading", "done", "failed"})
        EXPECT_EQ(e.samples.count(std::string("snapstage_jobs{state=\"") + state + "\"}"), 1u);
    EXPECT_EQ(e.samples["snapstage_jobs{state=\"queued\"}"], "2");
    EXPECT_EQ(e.samples["snapstage_jobs{state=\"done\"}"], "5");
    for (size_t i = 0; i < kFailureCauses; ++i)
        EXPECT_EQ(e.samples.count(std::string("snapstage_job_failures_total{cause=\"") +
                                  to_string(static_cast<FailureCause>(i)) + "\"}"),
                  1u);
    EXPECT_EQ(e.samples["snapstage_job_failures_total{cause=\"network\"}"], "3");
    EXPECT_EQ(e.samples["snapstage_job_failures_total{cause=\"tls\"}"], "0");
    EXPECT_EQ(e.samples["snapstage_upload_bytes_total"], "5000000123");
    // Buckets are cumulative and +Inf is the count
    EXPECT_EQ(e.samples["snapstage_upload_duration_seconds_bucket{le=\"0.25\"}"], "0");
    EXPECT_EQ(e.samples["snapstage_upload_duration_seconds_bucket{le=\"0.5\"}"], "1");
    EXPECT_EQ(e.samples["snapstage_upload_duration_seconds_bucket{le=\"5\"}"], "2");
    EXPECT_EQ(e.samples["snapstage_upload_duration_seconds_bucket{le=\"300\"}"], "2");
    EXPECT_EQ(e.samples["snapstage_upload_duration_seconds_bucket{le=\"+Inf\"}"], "3");
    EXPECT_EQ(e.samples["snapstage_upload_duration_seconds_count"], "3");
    EXPECT_EQ(e.samples["snapstage_upload_duration_seconds_sum"], "904.500000");
    EXPECT_EQ(e.samples["snapstage_job_duration_seconds_bucket{le=\"30\"}"], "0");
    EXPECT_EQ(e.samples["snapstage_job_duration_seconds_bucket{le=\"60\"}"], "1");
    EXPECT_EQ(e.samples["snapstage_job_duration_seconds_bucket{le=\"3600\"}"], "1");
    EXPECT_EQ(e.samples["snapstage_last_success_timestamp_seconds"], "1767225600");
    EXPECT_EQ(e.samples["snapstage_spool_bytes"], "123456");
    EXPECT_EQ(e.samples["snapstage_tls_handshakes_total{kind=\"full\"}"], "7");
    EXPECT_EQ(e.samples["snapstage_tls_handshakes_total{kind=\"resumed\"}"], "11");
    // Ends with a newline, as the format wants
    EXPECT_EQ(text->back(), '\n');
}

TEST(PrometheusText, ABufferTooSmallIsOverflowNotAHalfFile) {
    char buf[256];
    auto text = formatPrometheus(sample(), SpoolCensus{}, buf);
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().code(), Errc::Overflow);
}

class MetricsTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(tmp_.ok());
        std::ofstream(dir_ + "/in.jpg") << "\xff\xd8\xff\xd9";
        ASSERT_TRUE(spool_.init(dir_ + "/spool", clock_).ok());
        prom_ = dir_ + "/spool/metrics/snapstage.prom";
    }
    Job makeJob(JobState state) {
        auto job = std::make_unique<Job>();
        EXPECT_TRUE(spool_.create(*job, {dir_ + "/in.jpg", "", ""}).ok());
        job->state = state;
        EXPECT_TRUE(spool_.save(*job).ok());
        return *job;
    }

    test::TempDir tmp_{"metrics"};  // first made, last removed
    const std::string dir_ = tmp_.path();
    ManualClock clock_;
    Spool spool_;
    std::string prom_;
};

TEST_F(MetricsTest, TwoWritersOnOneSpoolAddUp) {
    // Given two processes' metrics on one spool (two submits side by side)
    Metrics a, b;
    ASSERT_TRUE(a.init(spool_, prom_).ok());
    ASSERT_TRUE(b.init(spool_, prom_).ok());
    Job done = makeJob(JobState::Done);
    makeJob(JobState::Queued);
    // When each notes its own and writes
    clock_.advanceMs(30'000);
    a.succeeded(done);
    a.uploaded(1000);
    a.uploadTook(0.7);
    b.failed(Error(Errc::NetConnect, "refused"));
    b.uploaded(500);
    ASSERT_TRUE(a.flush({2, 1}).ok());
    ASSERT_TRUE(b.flush({1, 0}).ok());
    // and the first writes again with nothing new but two more handshakes
    ASSERT_TRUE(a.flush({4, 1}).ok());
    // Then the file holds the sum of both, and the handshakes only once each
    Exposition e{readAll(prom_)};
    EXPECT_EQ(e.samples["snapstage_upload_bytes_total"], "1500");
    EXPECT_EQ(e.samples["snapstage_job_failures_total{cause=\"network\"}"], "1");
    EXPECT_EQ(e.samples["snapstage_job_duration_seconds_count"], "1");
    EXPECT_EQ(e.samples["snapstage_job_duration_seconds_bucket{le=\"30\"}"], "1");
    EXPECT_EQ(e.samples["snapstage_upload_duration_seconds_bucket{le=\"1\"}"], "1");
    EXPECT_EQ(e.samples["snapstage_last_success_timestamp_seconds"],
              std::to_string(clock_.wallSeconds()));
    EXPECT_EQ(e.samples["snapstage_tls_handshakes_total{kind=\"full\"}"], "5");
    EXPECT_EQ(e.samples["snapstage_tls_handshakes_total{kind=\"resumed\"}"], "1");
    EXPECT_EQ(e.samples["snapstage_jobs{state=\"done\"}"], "1");
    EXPECT_EQ(e.samples["snapstage_jobs{state=\"queued\"}"], "1");
    EXPECT_GT(std::stoull(e.samples["snapstage_spool_bytes"]), 0u);
    // and a third process reads the same totals
    Metrics c;
    ASSERT_TRUE(c.init(spool_, prom_).ok());
    Counters totals;
    ASSERT_TRUE(c.readTotals(totals).ok());
    EXPECT_EQ(totals.uploadBytes, 1500u);
}

TEST_F(MetricsTest, StateChangesAreSpacedAndTheRunsEndWritesWhatWasKept) {
    // Given the file written at a command's start, with one job queued
    Metrics m;
    ASSERT_TRUE(m.init(spool_, prom_).ok());
    Job job = makeJob(JobState::Queued);
    ASSERT_TRUE(m.flush({}).ok());
    auto jobs = [&](const char* state) {
        return Exposition{readAll(prom_)}
            .samples[std::string("snapstage_jobs{state=\"") + state + "\"}"];
    };
    EXPECT_EQ(jobs("queued"), "1");
    // When the job moves on within the spacing
    job.state = JobState::Processing;
    ASSERT_TRUE(spool_.save(job).ok());
    m.changed({});
    clock_.advanceMs(Metrics::kSpacingMs - 1);
    if (m.due()) m.flushOrWarn({});
    // Then the file is not written yet
    EXPECT_EQ(jobs("queued"), "1");
    EXPECT_EQ(jobs("processing"), "0");
    // When the spacing has passed, Then the next progress or poll writes the change
    clock_.advanceMs(1);
    if (m.due()) m.flushOrWarn({});
    EXPECT_EQ(jobs("processing"), "1");
    // When it changes again at once, Then that waits, and the run's end writes it
    job.state = JobState::Done;
    ASSERT_TRUE(spool_.save(job).ok());
    m.succeeded(job);
    m.changed({});
    EXPECT_EQ(jobs("done"), "0");
    m.flushPending({});
    EXPECT_EQ(jobs("done"), "1");
    EXPECT_EQ(Exposition{readAll(prom_)}.samples["snapstage_job_duration_seconds_count"], "1");
    // When nothing changed or was noted since, Then nothing is written, however long after
    ASSERT_EQ(::unlink(prom_.c_str()), 0);
    clock_.advanceMs(60'000);
    if (m.due()) m.flushOrWarn({});
    m.flushPending({});
    struct stat st {};
    EXPECT_NE(::stat(prom_.c_str(), &st), 0);
}

TEST_F(MetricsTest, TheFileAndItsFolderAreReadableByOthers) {
    ::umask(077);
    Metrics m;
    ASSERT_TRUE(m.init(spool_, prom_).ok());
    ASSERT_TRUE(m.flush({}).ok());
    ::umask(022);
    struct stat st {};
    ASSERT_EQ(::stat(prom_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
    ASSERT_EQ(::stat((dir_ + "/spool/metrics").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0755u);
}

TEST_F(MetricsTest, TurnedOffWritesNothing) {
    Metrics m;
    ASSERT_TRUE(m.init(spool_, "").ok());
    EXPECT_FALSE(m.enabled());
    m.failed(Error(Errc::NetConnect, "refused"));
    ASSERT_TRUE(m.flush({3, 3}).ok());
    struct stat st {};
    EXPECT_NE(::stat((dir_ + "/spool/metrics").c_str(), &st), 0);
    EXPECT_NE(::stat((dir_ + "/spool/metrics.counters").c_str(), &st), 0);
}

TEST_F(MetricsTest, ADamagedRecordStartsAgainFromZero) {
    std::ofstream(dir_ + "/spool/metrics.counters") << "tls_full lots\n";
    Metrics m;
    ASSERT_TRUE(m.init(spool_, prom_).ok());
    m.uploaded(10);
    ASSERT_TRUE(m.flush({}).ok());
    Exposition e{readAll(prom_)};
    EXPECT_EQ(e.samples["snapstage_upload_bytes_total"], "10");
    EXPECT_EQ(e.samples["snapstage_tls_handshakes_total{kind=\"full\"}"], "0");
}

TEST_F(MetricsTest, TheCensusNeitherCountsNorMovesAJobBeingMade) {
    // Given a finished job and a folder another process is still filling (no job.json yet)
    makeJob(JobState::Failed);
    ASSERT_EQ(::mkdir((dir_ + "/spool/jobs/20260101-000000-abcdef").c_str(), 0750), 0);
    SpoolCensus census;
    ASSERT_TRUE(spool_.census(census).ok());
    EXPECT_EQ(census.jobs[static_cast<size_t>(JobState::Failed)], 1u);
    uint64_t total = 0;
    for (uint64_t n : census.jobs)
        total += n;
    EXPECT_EQ(total, 1u);
    struct stat st {};
    EXPECT_EQ(::stat((dir_ + "/spool/jobs/20260101-000000-abcdef").c_str(), &st), 0);
    // and the size counts the job's files
    EXPECT_GT(census.bytes, 0u);
}

TEST_F(MetricsTest, TheCensusRemembersFinishedJobsAndForgetsRemovedOnes) {
    // Given a spool that remembers finished jobs, with one done and one processing
    ASSERT_TRUE(spool_.keepCensus(8).ok());
    Job done = makeJob(JobState::Done);
    Job running = makeJob(JobState::Processing);
    SpoolCensus first;
    ASSERT_TRUE(spool_.census(first).ok());
    // Then its size is the whole spool's, as du counts it
    auto du = fs::diskUsage((dir_ + "/spool").c_str());
    ASSERT_TRUE(du.ok());
    EXPECT_EQ(first.bytes, *du);
    // When the done job's record is no longer read (made unreadable) and the other moves on
    std::ofstream(dir_ + "/spool/jobs/" + done.id.c_str() + "/job.json") << "not json";
    running.state = JobState::Downloading;
    ASSERT_TRUE(spool_.save(running).ok());
    SpoolCensus second;
    ASSERT_TRUE(spool_.census(second).ok());
    // Then the done job is counted from memory, the unfinished one read again
    EXPECT_EQ(second.jobs[static_cast<size_t>(JobState::Done)], 1u);
    EXPECT_EQ(second.jobs[static_cast<size_t>(JobState::Processing)], 0u);
    EXPECT_EQ(second.jobs[static_cast<size_t>(JobState::Downloading)], 1u);
    // When the done job is removed, Then it is no longer counted
    ASSERT_EQ(std::system(("rm -rf " + dir_ + "/spool/jobs/" + done.id.c_str()).c_str()), 0);
    SpoolCensus third;
    ASSERT_TRUE(spool_.census(third).ok());
    EXPECT_EQ(third.jobs[static_cast<size_t>(JobState::Done)], 0u);
    EXPECT_LT(third.bytes, second.bytes);
}

TEST_F(MetricsTest, TheNextProcessTakesTheFinishedJobsFromTheCensusFile) {
    // Given a census that has seen a done job and a processing one
    ASSERT_TRUE(spool_.keepCensus(8).ok());
    Job done = makeJob(JobState::Done);
    makeJob(JobState::Processing);
    SpoolCensus first;
    ASSERT_TRUE(spool_.census(first).ok());
    const std::string file = dir_ + "/spool/metrics.census";
    EXPECT_EQ(readAll(file).size(), 8u + 40u);  // the done job only
    // When another process counts, with the done job's record no longer readable
    std::ofstream(dir_ + "/spool/jobs/" + done.id.c_str() + "/job.json") << "not json";
    auto census = [&](SpoolCensus& out) {
        Spool next;  // a new process
        ASSERT_TRUE(next.init(dir_ + "/spool", clock_).ok());
        ASSERT_TRUE(next.keepCensus(8).ok());
        ASSERT_TRUE(next.census(out).ok());
    };
    SpoolCensus second;
    census(second);
    // Then the done job is counted from the file, the unfinished one read
    EXPECT_EQ(second.jobs[static_cast<size_t>(JobState::Done)], 1u);
    EXPECT_EQ(second.jobs[static_cast<size_t>(JobState::Processing)], 1u);
    // When the file is damaged, Then it is ignored whole (the unreadable job is not counted)
    // and replaced by what that census saw
    std::ofstream(file) << "ssc";
    SpoolCensus third;
    census(third);
    EXPECT_EQ(third.jobs[static_cast<size_t>(JobState::Done)], 0u);
    EXPECT_EQ(third.jobs[static_cast<size_t>(JobState::Processing)], 1u);
    EXPECT_EQ(readAll(file), std::string("sscens1\n"));
    // When a listed job is gone, Then the next census forgets it and writes the file again
    std::ofstream(file).close();
    ASSERT_TRUE(spool_.census(first).ok());  // the first process: nothing new, nothing written
    EXPECT_EQ(readAll(file), "");
    ASSERT_EQ(std::system(("rm -rf " + dir_ + "/spool/jobs/" + done.id.c_str()).c_str()), 0);
    ASSERT_TRUE(spool_.census(first).ok());
    EXPECT_EQ(first.jobs[static_cast<size_t>(JobState::Done)], 0u);
    EXPECT_EQ(readAll(file), std::string("sscens1\n"));
}

}  // namespace
}  // namespace snapstage::jobs
