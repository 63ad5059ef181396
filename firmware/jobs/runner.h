// SPDX-License-Identifier: MIT
// jobs::Runner: the scheduler that carries one job to its end: the start steps of its service
// (each persisted before the next), polling with back-off, and the results downloaded into the
// spool. Retries transient failures (connection errors, 5xx, 408, 429 honouring Retry-After)
// with exponential back-off and jitter; never retries another 4xx. Runs on the job worker
// thread; waits go through the Clock, so tests never sleep.
#pragma once

#include <atomic>
#include <cstdint>

#include "firmware/cloud/service.h"
#include "firmware/jobs/metrics.h"
#include "firmware/jobs/spool.h"

namespace snapstage::jobs {

struct Policy {
    int64_t pollMinMs = 5000;
    int64_t pollMaxMs = 30000;
    int64_t pollTimeoutS = 900;  // from submission to a result
    int maxAttempts = 6;         // tries of one call before the job is left to resume later
    int64_t retryBaseMs = 1000;
    int64_t retryMaxMs = 60000;
};

// The delay before retry number `attempt` (1-based): base * 2^(attempt-1), capped, with jitter
// in [50%, 100%] from `random` (0..1); at least the server's Retry-After when it gave one.
int64_t backoffMs(const Policy& policy, int attempt, double random, int64_t retryAfterS) noexcept;

// The wait before the next poll: the service's ETA when it gave one, else growing by half from
// the minimum, within [pollMinMs, pollMaxMs].
int64_t pollDelayMs(const Policy& policy, int64_t previousMs, int64_t etaS) noexcept;

// What the runner tells its caller (events, the screen). Called on the runner's thread.
class RunObserver {
public:
    virtual ~RunObserver() = default;
    virtual void onState(const Job&) noexcept {}
    virtual void onUpload(const Job&, uint64_t /*sent*/, uint64_t /*total*/) noexcept {}
    virtual void onDownload(const Job&, uint64_t /*received*/, int64_t /*total*/) noexcept {}
    virtual void onStatus(const Job&, const cloud::PollResult&) noexcept {}
    virtual void onRetry(const Job&, const Error&, int /*attempt*/, int64_t /*delayMs*/) noexcept {}
    virtual void onResult(const Job&, const char* /*path*/, uint64_t /*bytes*/) noexcept {}

protected:
    RunObserver() = default;
    RunObserver(const RunObserver&) = default;
    RunObserver& operator=(const RunObserver&) = default;
};

class Runner {
public:
    // Everything borrowed; `cancel` (may be null) stops waits and ends run() with Interrupted.
    // `metrics` (may be null) is told of uploads, failures and successes and written after
    // every state change and at the end of a run that failed.
    Runner(Spool& spool, cloud::ApiClient& api, Clock& clock, const Policy& policy,
           RunObserver& observer, const std::atomic<bool>* cancel,
           Metrics* metrics = nullptr) noexcept;

    // Carries `job` on from where it stands, with `service` (its vendor's adapter). With `wait`
    // false, returns once the service has accepted the job. The job is saved after every step.
    // Returns ok when the job is done (or accepted, without wait). Errors: ApiJobFailed (the
    // service failed it: the job is marked failed), ApiRejected (a 4xx: marked failed),
    // ApiJobFailed too when there is no result within pollTimeoutS (marked failed), Interrupted,
    // and transient errors after maxAttempts (the job stays unfinished and resumes later),
    // StorageFull.
    Status run(Job& job, cloud::Service& service, bool wait) noexcept;

private:
    template <typename Call>
    Status retrying(Job& job, Call&& call) noexcept;
    Status advance(Job& job, cloud::Service& service, bool wait) noexcept;
    Status submit(Job& job, cloud::Service& service) noexcept;
    Status pollUntilDone(Job& job, cloud::Service& service) noexcept;
    Status downloadResults(Job& job, cloud::Service& service) noexcept;
    Status finishFailed(Job& job, const Error& error) noexcept;
    // Moves the job to `state` and saves it, unless `saveNow` is false: then the state is written
    // with the next save, which the caller makes before anything can happen (a state a crash
    // could lose must be one that resuming does not need).
    Status setState(Job& job, JobState state, bool saveNow = true) noexcept;
    void noteFailure(const Error& error) noexcept;
    void writeMetrics() noexcept;
    bool cancelled() const noexcept { return cancel_ && cancel_->load(); }
    double random() noexcept;

    Spool& spool_;
    cloud::ApiClient& api_;
    Clock& clock_;
    Policy policy_;
    RunObserver& observer_;
    const std::atomic<bool>* cancel_;
    Metrics* metrics_;
    bool failureNoted_ = false;  // this run's failure is counted already
    uint64_t rng_ = 0x9e3779b97f4a7c15ull;
};

}  // namespace snapstage::jobs
