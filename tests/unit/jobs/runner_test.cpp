// SPDX-License-Identifier: MIT
// Tests of the scheduler on a manual clock with a scripted service: steps persisted one by one,
// retries with back-off and Retry-After, no retry of a 4xx, polling intervals, the time-out, an
// interruption that leaves the job resumable. Nothing sleeps.
#include "firmware/jobs/runner.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <deque>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/alloc_counter.h"
#include "tests/support/temp_dir.h"

namespace snapstage::jobs {
namespace {

// A service whose answers the test scripts. Each step() completes one of `steps` start steps.
class ScriptedService final : public cloud::Service {
public:
    cloud::Vendor vendor() const noexcept override { return cloud::Vendor::AiHomeDesignV3; }
    Status step(cloud::StepContext& ctx) noexcept override {
        ++stepCalls;
        if (!stepErrors.empty()) {
            Error e = stepErrors.front();
            stepErrors.pop_front();
            return fail(e);
        }
        ++stepsDone;
        if (stepsDone == 1) ctx.remote.order.assign("order-1");
        if (stepsDone == 2) {
            ctx.remote.process.assign("process-1");
            ctx.remote.submitted = true;
        }
        savedAfterStep.push_back(ctx.checkpoint.save().ok());
        return okStatus();
    }
    Result<cloud::PollResult> poll(cloud::StepContext& ctx) noexcept override {
        ++pollCalls;
        if (!pollErrors.empty()) {
            Error e = pollErrors.front();
            pollErrors.pop_front();
            return fail(e);
        }
        cloud::PollResult p;
        p.state =
            pollCalls >= doneAfterPolls ? cloud::RemoteState::Done : cloud::RemoteState::Processing;
        p.etaS = eta;
        if (failJob) {
            p.state = cloud::RemoteState::Failed;
            p.message.assign("no room found in the photo");
        }
        if (p.state == cloud::RemoteState::Done) {
            ctx.remote.results[0].assign("https://cdn.example/r.jpg");
            ctx.remote.resultCount = 1;
        }
        return p;
    }
    Status download(cloud::StepContext&, size_t, net::BodySink& sink) noexcept override {
        ++downloadCalls;
        static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9};
        SNAPSTAGE_TRY(sink.begin(200, sizeof jpeg));
        SNAPSTAGE_TRY(sink.write(std::as_bytes(std::span(jpeg))));
        return sink.finish();
    }

    void reset() {
        stepErrors.clear();
        pollErrors.clear();
        stepCalls = stepsDone = pollCalls = downloadCalls = 0;
        doneAfterPolls = 3;
        eta = -1;
        failJob = false;
        savedAfterStep.clear();
    }

    std::deque<Error> stepErrors, pollErrors;
    int stepCalls = 0, stepsDone = 0, pollCalls = 0, downloadCalls = 0;
    int doneAfterPolls = 3;
    int64_t eta = -1;
    bool failJob = false;
    std::vector<bool> savedAfterStep;
};

class Recorder final : public RunObserver {
public:
    void onRetry(const Job&, const Error& e, int, int64_t delayMs) noexcept override {
        retries.push_back(delayMs);
        (void)e;
    }
    void onResult(const Job&, const char* path, uint64_t) noexcept override {
        results.push_back(path);
    }
    void onState(const Job&) noexcept override {
        struct stat st {};
        if (!watch.empty()) inodes.push_back(::stat(watch.c_str(), &st) == 0 ? st.st_ino : 0);
    }
    std::vector<int64_t> retries;
    std::vector<std::string> results;
    std::string watch;          // a file whose inode is noted at every state change
    std::vector<ino_t> inodes;  // (replaced whole, a file gets a new one)
};

class RunnerTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(tmp_.ok());
        std::ofstream(dir_ + "/in.jpg") << "\xff\xd8\xff\xd9";
        ASSERT_TRUE(spool_.init(dir_ + "/spool", clock_).ok());
        job_ = std::make_unique<Job>();
        ASSERT_TRUE(spool_.create(*job_, {dir_ + "/in.jpg", "", ""}).ok());
        policy_.pollMinMs = 5000;
        policy_.pollMaxMs = 30000;
        policy_.pollTimeoutS = 900;
    }
    Status run(bool wait = true, Metrics* metrics = nullptr) {
        Runner runner(spool_, api_, clock_, policy_, rec_, &cancel_, metrics);
        return runner.run(*job_, svc_, wait);
    }
    Counters totals(Metrics& m) {
        Counters c;
        EXPECT_TRUE(m.readTotals(c).ok());
        return c;
    }
    JobState stored() {
        auto j = std::make_unique<Job>();
        EXPECT_TRUE(spool_.load(job_->id.view(), *j).ok());
        return j->state;
    }

    test::TempDir tmp_{"runner"};
    const std::string dir_ = tmp_.path();
    ManualClock clock_{1800000000};
    Spool spool_;
    cloud::ApiClient api_;
    Policy policy_;
    Recorder rec_;
    ScriptedService svc_;
    std::atomic<bool> cancel_{false};
    std::unique_ptr<Job> job_;
};

TEST_F(RunnerTest, CarriesAJobToItsResultSavingEveryStep) {
    ASSERT_TRUE(run().ok());
    EXPECT_EQ(svc_.stepsDone, 2);
    EXPECT_EQ(svc_.savedAfterStep, (std::vector<bool>{true, true}));
    EXPECT_EQ(svc_.pollCalls, 3);
    EXPECT_EQ(job_->state, JobState::Done);
    EXPECT_EQ(stored(), JobState::Done);
    ASSERT_EQ(rec_.results.size(), 1u);
    EXPECT_EQ(rec_.results[0], dir_ + "/spool/jobs/" + job_->id.c_str() + "/result-1.jpg");
    // Polls: the first at once, then 5 s, then 7.5 s: no more often than the floor.
    EXPECT_EQ(clock_.sleptMs(), 5000 + 7500);
}

TEST_F(RunnerTest, HonoursTheServicesEtaWithinTheBounds) {
    svc_.eta = 12;
    ASSERT_TRUE(run().ok());
    EXPECT_EQ(clock_.sleptMs(), 12000 + 12000);
    EXPECT_EQ(pollDelayMs(policy_, 0, 1), 5000);     // never below the floor
    EXPECT_EQ(pollDelayMs(policy_, 0, 600), 30000);  // nor above the ceiling
    EXPECT_EQ(pollDelayMs(policy_, 25000, -1), 30000);
}

TEST_F(RunnerTest, RetriesTransientFailuresHonouringRetryAfter) {
    svc_.stepErrors.push_back(Error(Errc::NetConnect, "connection refused"));
    svc_.stepErrors.push_back(Error(Errc::ApiRateLimited, "429", 7));
    svc_.pollErrors.push_back(Error(Errc::ApiServer, "503", -1));
    ASSERT_TRUE(run().ok());
    ASSERT_EQ(rec_.retries.size(), 3u);
    EXPECT_GE(rec_.retries[0], 500);  // 1 s base with jitter in [50%, 100%]
    EXPECT_LE(rec_.retries[0], 1000);
    EXPECT_GE(rec_.retries[1], 7000);  // the server's Retry-After wins
    EXPECT_EQ(svc_.stepCalls, 4);
}

TEST_F(RunnerTest, NeverRetriesARejectedRequest) {
    svc_.stepErrors.push_back(Error(Errc::ApiRejected, "422 unknown widget", 422));
    Status st = run();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::ApiRejected);
    EXPECT_EQ(svc_.stepCalls, 1);
    EXPECT_TRUE(rec_.retries.empty());
    EXPECT_EQ(stored(), JobState::Failed);
}

TEST_F(RunnerTest, GivesUpOnATransientFailureButKeepsTheJob) {
    for (int i = 0; i < 10; ++i)
        svc_.stepErrors.push_back(Error(Errc::NetDns, "no DNS"));
    Status st = run();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::NetDns);
    EXPECT_EQ(svc_.stepCalls, policy_.maxAttempts);
    EXPECT_EQ(stored(), JobState::Submitting);  // resumable
    svc_.stepErrors.clear();
    ASSERT_TRUE(run().ok());  // and it resumes
    EXPECT_EQ(job_->state, JobState::Done);
}

TEST_F(RunnerTest, AFailedJobAndATimeoutAreFinal) {
    svc_.failJob = true;
    Status st = run();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::ApiJobFailed);
    EXPECT_NE(std::string(st.error().message()).find("no room found"), std::string::npos);
    EXPECT_EQ(stored(), JobState::Failed);

    ASSERT_TRUE(spool_.create(*job_, {dir_ + "/in.jpg", "", ""}).ok());
    svc_.reset();
    svc_.doneAfterPolls = 1000000;
    policy_.pollTimeoutS = 60;
    st = run();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::ApiJobFailed);
    EXPECT_NE(std::string(st.error().message()).find("poll.timeout_s"), std::string::npos);
    EXPECT_LT(svc_.pollCalls, 20);
}

TEST_F(RunnerTest, NoWaitStopsOnceAcceptedAndInterruptionKeepsTheJob) {
    ASSERT_TRUE(run(false).ok());
    EXPECT_EQ(svc_.pollCalls, 0);
    EXPECT_EQ(stored(), JobState::Processing);
    cancel_ = true;
    Status st = run();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::Interrupted);
    EXPECT_EQ(stored(), JobState::Processing);
}

TEST_F(RunnerTest, AJobStoppedRightAfterItsLastStartStepResumesAndDoesNotTimeOut) {
    // Given a job whose service accepted it, saved before the runner noted the time
    job_->remote.order.assign("order-1");
    job_->remote.process.assign("process-1");
    job_->remote.submitted = true;
    job_->state = JobState::Submitting;
    job_->submittedS = 0;
    ASSERT_TRUE(spool_.save(*job_).ok());
    // When it is resumed
    ASSERT_TRUE(run().ok());
    // Then it is polled to its result, with no new start step
    EXPECT_EQ(svc_.stepCalls, 0);
    EXPECT_EQ(job_->state, JobState::Done);
}

TEST_F(RunnerTest, BackoffGrowsAndIsCapped) {
    EXPECT_EQ(backoffMs(policy_, 1, 1.0, -1), 1000);
    EXPECT_EQ(backoffMs(policy_, 3, 1.0, -1), 4000);
    EXPECT_EQ(backoffMs(policy_, 20, 1.0, -1), 60000);
    EXPECT_EQ(backoffMs(policy_, 20, 0.0, -1), 30000);
    EXPECT_EQ(backoffMs(policy_, 1, 0.0, 120), 120000);
}

TEST_F(RunnerTest, ASecondJobAllocatesNothingInTheProjectsCode) {
    Metrics metrics;
    ASSERT_TRUE(metrics.init(spool_, dir_ + "/spool/metrics/snapstage.prom").ok());
    ASSERT_TRUE(run(true, &metrics).ok());
    ASSERT_TRUE(spool_.create(*job_, {dir_ + "/in.jpg", "", ""}).ok());
    svc_.reset();
    test::AllocScope scope;
    ASSERT_TRUE(run(true, &metrics).ok());  // the metrics written at every state change too
    EXPECT_EQ(scope.stop().operatorNew, 0u);
    EXPECT_EQ(totals(metrics).job.count, 2u);
}

TEST_F(RunnerTest, AQuickJobWritesTheMetricsAtItsRunsEnd) {
    // Given the file written at the command's start
    Metrics metrics;
    const std::string prom = dir_ + "/spool/metrics/snapstage.prom";
    ASSERT_TRUE(metrics.init(spool_, prom).ok());
    ASSERT_TRUE(metrics.flush({}).ok());
    struct stat before {};
    ASSERT_EQ(::stat(prom.c_str(), &before), 0);
    // When a job runs its steps within the spacing (no poll waits on this clock)
    policy_.pollMinMs = policy_.pollMaxMs = 100;
    svc_.doneAfterPolls = 2;
    rec_.watch = prom;
    ASSERT_TRUE(run(true, &metrics).ok());
    ASSERT_LT(clock_.sleptMs(), Metrics::kSpacingMs);
    // Then no step wrote the file: submitting, processing, downloading, done
    ASSERT_EQ(rec_.inodes.size(), 4u);
    for (ino_t ino : rec_.inodes)
        EXPECT_EQ(ino, before.st_ino);
    // but the run's end did, with the job done
    struct stat after {};
    ASSERT_EQ(::stat(prom.c_str(), &after), 0);
    EXPECT_NE(after.st_ino, before.st_ino);
    std::ifstream in(prom);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("snapstage_jobs{state=\"done\"} 1\n"), std::string::npos);
    EXPECT_EQ(totals(metrics).job.count, 1u);
}

TEST_F(RunnerTest, MetricsCountEachRunsEndOnce) {
    Metrics metrics;
    ASSERT_TRUE(metrics.init(spool_, dir_ + "/spool/metrics/snapstage.prom").ok());
    // Given a job done after 2 s on the clock
    clock_.advanceMs(2000);
    ASSERT_TRUE(run(true, &metrics).ok());
    Counters c = totals(metrics);
    EXPECT_EQ(c.job.count, 1u);
    EXPECT_EQ(c.lastSuccessS, clock_.wallSeconds());
    EXPECT_GE(c.job.sum, 2.0);
    // When it is run again (already done): nothing more is counted
    ASSERT_TRUE(run(true, &metrics).ok());
    EXPECT_EQ(totals(metrics).job.count, 1u);
    // Given a job the service fails, one kept after retries, and one interrupted
    *job_ = Job{};
    ASSERT_TRUE(spool_.create(*job_, {dir_ + "/in.jpg", "", ""}).ok());
    svc_.reset();
    svc_.failJob = true;
    ASSERT_FALSE(run(true, &metrics).ok());
    *job_ = Job{};
    ASSERT_TRUE(spool_.create(*job_, {dir_ + "/in.jpg", "", ""}).ok());
    svc_.reset();
    for (int i = 0; i < policy_.maxAttempts; ++i)
        svc_.stepErrors.push_back(Error(Errc::NetConnect, "connection refused"));
    ASSERT_FALSE(run(true, &metrics).ok());
    *job_ = Job{};
    ASSERT_TRUE(spool_.create(*job_, {dir_ + "/in.jpg", "", ""}).ok());
    svc_.reset();
    cancel_ = true;
    ASSERT_FALSE(run(true, &metrics).ok());
    // Then each failure is counted once, under its cause; the interruption is no failure
    c = totals(metrics);
    EXPECT_EQ(c.failures[static_cast<size_t>(FailureCause::Service)], 1u);
    EXPECT_EQ(c.failures[static_cast<size_t>(FailureCause::Network)], 1u);
    uint64_t all = 0;
    for (uint64_t n : c.failures)
        all += n;
    EXPECT_EQ(all, 2u);
    EXPECT_EQ(c.job.count, 1u);
}

}  // namespace
}  // namespace snapstage::jobs
