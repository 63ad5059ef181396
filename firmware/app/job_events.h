// SPDX-License-Identifier: MIT
// JobEvents: what the job commands (submit, jobs --resume) tell the user while a job runs:
// --json events (job.created, upload.progress, job.submitted, job.status, result.saved,
// job.done, job.failed) and human lines with a progress bar on a terminal.
#pragma once

#include "firmware/app/events.h"
#include "firmware/jobs/runner.h"

namespace snapstage::app {

class JobEvents final : public jobs::RunObserver {
public:
    explicit JobEvents(Events& events) noexcept : events_(events) {}
    void onState(const jobs::Job& job) noexcept override;
    void onUpload(const jobs::Job& job, uint64_t sent, uint64_t total) noexcept override;
    void onDownload(const jobs::Job& job, uint64_t got, int64_t total) noexcept override;
    void onStatus(const jobs::Job& job, const cloud::PollResult& p) noexcept override;
    void onRetry(const jobs::Job& job, const Error& e, int attempt,
                 int64_t delayMs) noexcept override;
    void onResult(const jobs::Job& job, const char* path, uint64_t bytes) noexcept override;

    void created(const jobs::Job& job) noexcept;
    // job.done or job.failed for a run that ended with `st`; returns the exit code.
    int finished(const jobs::Job& job, const Status& st) noexcept;

private:
    Events& events_;
    cloud::RemoteState lastState_ = cloud::RemoteState::Pending;
    bool statusShown_ = false;
};

// The id the service knows the job by (process, image or order), for messages and events.
std::string_view remoteId(const jobs::Job& job) noexcept;

}  // namespace snapstage::app
