// SPDX-License-Identifier: MIT
// JobWorker: the one worker thread of the kiosk (DESIGN.md section 4). It owns the spool and the
// service's API client: it turns captured photos into jobs, carries them to their results, and
// carries on unfinished ones (at start, and every retry period while any is left, so that jobs
// queued without a network go out when it is back). The UI thread talks to it through two small
// fixed-capacity queues; a descriptor becomes readable when there is news.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "firmware/app/runtime.h"

namespace snapstage::app {

// News from the worker, for the UI thread.
struct WorkerNews {
    enum class Kind : uint8_t { Created, Upload, Status, Done, Failed, Queued };
    Kind kind = Kind::Created;
    jobs::JobId job;
    uint64_t sent = 0, total = 0;                            // Upload
    cloud::RemoteState state = cloud::RemoteState::Pending;  // Status
    int64_t etaS = -1;                                       // Status
    Errc code = Errc::Ok;                                    // Failed
    bool resumable = false;                                  // Failed: kept for later
    FixedString<256> message;                                // Failed
    FixedString<fs::kMaxPathBytes> result;                   // Done: the first result file
    FixedString<fs::kMaxPathBytes> photo;                    // Done: the job's input photo
    FixedString<net::Url::kCapacity> link;  // Done: the result's public URL, if any
};

class JobWorker {
public:
    explicit JobWorker(Runtime& rt) noexcept;
    ~JobWorker();
    JobWorker(const JobWorker&) = delete;
    JobWorker& operator=(const JobWorker&) = delete;

    // Starts the thread; it resumes unfinished jobs first. `retryMs`: how often unfinished jobs
    // are tried again. Errors: NoMemory, Internal (no thread).
    Status start(int64_t retryMs) noexcept;
    // Asks the thread to stop (interrupting a transfer; the job stays resumable) and joins it.
    void stop() noexcept;

    // Queues the photo at `path` (a finished file; the worker moves it into a new job) with
    // what the service is to do (tool and parameters, already checked). False when full.
    bool submit(std::string_view path, const cloud::JobRequest& request) noexcept;
    // Readable when news is waiting.
    int wakeFd() const noexcept { return wake_[0]; }
    // Takes the next piece of news; false when there is none.
    bool next(WorkerNews& out) noexcept;
    // Jobs in the spool that are not finished (as last counted by the worker).
    int unfinished() const noexcept { return unfinished_.load(); }

private:
    class Observer;
    void loop() noexcept;
    void runOne(jobs::Job& job) noexcept;
    void resumeAll() noexcept;
    void prune() noexcept;  // finished jobs older than spool.keep_days
    static constexpr int64_t kPruneEveryMs = 3600 * 1000;
    void post(const WorkerNews& news) noexcept;

    Runtime& rt_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable wakeWorker_;
    static constexpr size_t kQueue = 8;
    struct Pending {
        FixedString<fs::kMaxPathBytes> path;
        cloud::JobRequest request;
    };
    std::unique_ptr<Pending[]> photos_;
    size_t photoHead_ = 0, photoCount_ = 0;
    std::unique_ptr<WorkerNews[]> news_;
    size_t newsHead_ = 0, newsCount_ = 0;
    static constexpr size_t kNews = 64;
    int wake_[2] = {-1, -1};
    std::atomic<bool> stop_{false};
    std::atomic<int> unfinished_{0};
    int64_t retryMs_ = 30000;
    std::unique_ptr<jobs::Job> job_;
};

}  // namespace snapstage::app
