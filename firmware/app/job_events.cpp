// SPDX-License-Identifier: MIT
// Events of a running job.
#include "firmware/app/job_events.h"

#include "firmware/app/exit_codes.h"

namespace snapstage::app {

std::string_view remoteId(const jobs::Job& job) noexcept {
    const cloud::Remote& r = job.remote;
    if (!r.process.empty()) return r.process.view();
    if (!r.image.empty() && job.vendor == cloud::Vendor::Autoenhance) return r.image.view();
    return r.order.view();
}

void JobEvents::created(const jobs::Job& job) noexcept {
    events_.emit("job.created", {{"job", job.id.view()},
                                 {"service", cloud::vendorName(job.vendor)},
                                 {"api", cloud::apiName(job.vendor)},
                                 {"tool", job.request.tool.view()}});
    events_.say("job %s: %s %s %s", job.id.c_str(), cloud::vendorName(job.vendor),
                cloud::apiName(job.vendor), job.request.tool.c_str());
}

void JobEvents::onState(const jobs::Job& job) noexcept {
    if (job.state == jobs::JobState::Processing) {
        events_.emit("job.submitted", {{"job", job.id.view()}, {"remote_id", remoteId(job)}});
        events_.say("job %s: accepted by the service as %.*s; waiting for the result",
                    job.id.c_str(), static_cast<int>(remoteId(job).size()), remoteId(job).data());
    }
}

void JobEvents::onUpload(const jobs::Job& job, uint64_t sent, uint64_t total) noexcept {
    events_.progress("upload.progress", "upload", sent, total, {{"job", job.id.view()}});
}

void JobEvents::onDownload(const jobs::Job& job, uint64_t got, int64_t total) noexcept {
    events_.progress("download.progress", "download", got,
                     total < 0 ? 0 : static_cast<uint64_t>(total), {{"job", job.id.view()}});
}

void JobEvents::onStatus(const jobs::Job& job, const cloud::PollResult& p) noexcept {
    events_.emit("job.status",
                 {{"job", job.id.view()}, {"state", cloud::to_string(p.state)}, {"eta_s", p.etaS}});
    if (!statusShown_ || p.state != lastState_)
        events_.say("job %s: %s%s", job.id.c_str(), cloud::to_string(p.state),
                    p.etaS > 0 ? " (the service expects it soon)" : "");
    statusShown_ = true;
    lastState_ = p.state;
}

void JobEvents::onRetry(const jobs::Job& job, const Error& e, int attempt,
                        int64_t delayMs) noexcept {
    events_.emit("job.retry", {{"job", job.id.view()},
                               {"attempt", attempt},
                               {"delay_ms", delayMs},
                               {"message", e.message()}});
    events_.say("job %s: %s; retrying in %.1f s", job.id.c_str(), e.message(),
                static_cast<double>(delayMs) / 1000);
}

void JobEvents::onResult(const jobs::Job& job, const char* path, uint64_t bytes) noexcept {
    events_.emit("result.saved", {{"job", job.id.view()}, {"path", path}, {"bytes", bytes}});
    events_.say("job %s: result saved to %s (%llu bytes)", job.id.c_str(), path,
                static_cast<unsigned long long>(bytes));
}

int JobEvents::finished(const jobs::Job& job, const Status& st) noexcept {
    if (st) {
        events_.emit("job.done", {{"job", job.id.view()},
                                  {"state", jobs::to_string(job.state)},
                                  {"results", job.resultsSaved}});
        return toInt(Exit::Done);
    }
    events_.emit("job.failed", {{"job", job.id.view()},
                                {"state", jobs::to_string(job.state)},
                                {"code", to_string(st.error().code())},
                                {"resumable", !jobs::finished(job.state)}});
    return events_.failure(st.error());
}

}  // namespace snapstage::app
