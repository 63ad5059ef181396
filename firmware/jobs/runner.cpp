// SPDX-License-Identifier: MIT
// The job scheduler: start steps, polling, result downloads, retries with back-off.
#include "firmware/jobs/runner.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "firmware/util/log.h"

namespace snapstage::jobs {
namespace {

class JobCheckpoint final : public cloud::Checkpoint {
public:
    JobCheckpoint(Spool& spool, Job& job) noexcept : spool_(spool), job_(job) {}
    Status save() noexcept override { return spool_.save(job_); }

private:
    Spool& spool_;
    Job& job_;
};

// Writes the metrics when a change kept back is due (Metrics::due()).
void writeMetricsIfDue(Metrics* metrics, const cloud::ApiClient& api) noexcept {
    if (metrics && metrics->due()) metrics->flushOrWarn(api.tlsHandshakes());
}

// Transfer progress to the observer; upload bytes and times to the metrics.
class Progress final : public net::HttpObserver {
public:
    Progress(RunObserver& o, const Job& job, Metrics* metrics, Clock& clock,
             const cloud::ApiClient& api) noexcept
        : o_(o), job_(job), metrics_(metrics), clock_(clock), api_(api) {}
    void onUploadStart(uint64_t) noexcept override {
        startMs_ = clock_.monotonicMs();
        sent_ = 0;
    }
    void onUpload(uint64_t sent, uint64_t total) noexcept override {
        if (metrics_ && sent > sent_) metrics_->uploaded(sent - sent_);
        sent_ = sent;
        writeMetricsIfDue(metrics_, api_);
        o_.onUpload(job_, sent, total);
    }
    void onUploadAnswered(int) noexcept override {
        if (metrics_)
            metrics_->uploadTook(static_cast<double>(clock_.monotonicMs() - startMs_) / 1000);
    }
    void onDownload(uint64_t got, int64_t total) noexcept override {
        writeMetricsIfDue(metrics_, api_);
        o_.onDownload(job_, got, total);
    }

private:
    RunObserver& o_;
    const Job& job_;
    Metrics* metrics_;
    Clock& clock_;
    const cloud::ApiClient& api_;
    int64_t startMs_ = 0;
    uint64_t sent_ = 0;
};

// A result file: streamed into a temporary in the job's folder, checked to be a whole image
// (JPEG from SOI to EOI, PNG from its signature to IEND, WebP by its RIFF size) and only then
// renamed into place.
class ResultSink final : public net::BodySink {
public:
    Status open(std::string_view path) noexcept {
        head_ = 0;
        tailLen_ = 0;
        bytes_ = 0;
        return file_.open(path, 0640);
    }
    Status begin(int, int64_t) noexcept override { return okStatus(); }
    Status write(std::span<const std::byte> d) noexcept override {
        for (size_t i = 0; i < d.size() && head_ < sizeof headBytes_; ++i)
            headBytes_[head_++] = static_cast<uint8_t>(d[i]);
        for (std::byte b : d.last(std::min(d.size(), sizeof tail_))) {
            std::memmove(tail_, tail_ + 1, sizeof tail_ - 1);
            tail_[sizeof tail_ - 1] = static_cast<uint8_t>(b);
            tailLen_ = std::min(tailLen_ + 1, sizeof tail_);
        }
        bytes_ += d.size();
        return file_.write(d);
    }
    Status finish() noexcept override {
        const char* kind = imageKind();
        if (!kind) {
            file_.abandon();
            return fail(Errc::ApiResponse,
                        "the downloaded result is not a whole JPEG, PNG or WebP image");
        }
        return file_.commit();
    }
    // ".jpg", ".png", ".webp" or null.
    const char* imageKind() const noexcept {
        const uint8_t* h = headBytes_;
        const uint8_t* t = tail_ + sizeof tail_ - tailLen_;
        if (head_ >= 3 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff && tailLen_ >= 2 &&
            t[tailLen_ - 2] == 0xff && t[tailLen_ - 1] == 0xd9)
            return ".jpg";
        static const uint8_t png[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
        static const uint8_t iend[] = {'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
        if (head_ >= 8 && !std::memcmp(h, png, 8) && tailLen_ >= 8 &&
            !std::memcmp(t + tailLen_ - 8, iend, 8))
            return ".png";
        if (head_ >= 12 && !std::memcmp(h, "RIFF", 4) && !std::memcmp(h + 8, "WEBP", 4)) {
            uint32_t size =
                uint32_t{h[4]} | uint32_t{h[5]} << 8 | uint32_t{h[6]} << 16 | uint32_t{h[7]} << 24;
            if (bytes_ == uint64_t{size} + 8) return ".webp";
        }
        return nullptr;
    }
    void abandon() noexcept { file_.abandon(); }
    uint64_t bytes() const noexcept { return bytes_; }

private:
    fs::AtomicFile file_;
    uint8_t headBytes_[16] = {};
    size_t head_ = 0;
    uint8_t tail_[8] = {};
    size_t tailLen_ = 0;
    uint64_t bytes_ = 0;
};

}  // namespace

int64_t backoffMs(const Policy& p, int attempt, double random, int64_t retryAfterS) noexcept {
    int64_t d = p.retryBaseMs;
    for (int i = 1; i < attempt && d < p.retryMaxMs; ++i)
        d *= 2;
    d = std::min(d, p.retryMaxMs);
    d = static_cast<int64_t>(static_cast<double>(d) * (0.5 + 0.5 * random));
    if (retryAfterS >= 0) d = std::max(d, retryAfterS * 1000);
    return d;
}

int64_t pollDelayMs(const Policy& p, int64_t previousMs, int64_t etaS) noexcept {
    int64_t d = etaS > 0 ? etaS * 1000 : previousMs <= 0 ? p.pollMinMs : previousMs * 3 / 2;
    return std::clamp(d, p.pollMinMs, std::max(p.pollMinMs, p.pollMaxMs));
}

Runner::Runner(Spool& spool, cloud::ApiClient& api, Clock& clock, const Policy& policy,
               RunObserver& observer, const std::atomic<bool>* cancel, Metrics* metrics) noexcept
    : spool_(spool),
      api_(api),
      clock_(clock),
      policy_(policy),
      observer_(observer),
      cancel_(cancel),
      metrics_(metrics) {
    rng_ ^= static_cast<uint64_t>(clock.monotonicMs());
}

double Runner::random() noexcept {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return static_cast<double>(rng_ >> 11) / 9007199254740992.0;
}

Status Runner::setState(Job& job, JobState state, bool saveNow) noexcept {
    if (job.state == state) return okStatus();
    job.state = state;
    if (saveNow) SNAPSTAGE_TRY(spool_.save(job));
    if (metrics_ && state == JobState::Done) metrics_->succeeded(job);
    if (metrics_) metrics_->changed(api_.tlsHandshakes());  // the rest at the run's end
    observer_.onState(job);
    return okStatus();
}

void Runner::noteFailure(const Error& error) noexcept {
    if (metrics_ && !failureNoted_) metrics_->failed(error);
    failureNoted_ = true;
}

void Runner::writeMetrics() noexcept {
    if (metrics_) metrics_->flushPending(api_.tlsHandshakes());
}

Status Runner::finishFailed(Job& job, const Error& error) noexcept {
    job.errorCode = error.code();
    job.error.assign(std::string_view(error.message()).substr(0, 199));
    noteFailure(error);  // written with the state change
    SNAPSTAGE_TRY(setState(job, JobState::Failed));
    return fail(error);
}

template <typename Call>
Status Runner::retrying(Job& job, Call&& call) noexcept {
    for (int attempt = 1;; ++attempt) {
        if (cancelled()) return fail(Errc::Interrupted, "interrupted: the job is kept and resumes");
        Status st = call();
        if (st) return st;
        const Error& e = st.error();
        if (e.code() == Errc::Interrupted || !cloud::isTransient(e) ||
            attempt >= policy_.maxAttempts) {
            if (cloud::isTransient(e)) {
                // Kept unfinished: `jobs --resume` (or the kiosk) carries it on later.
                job.errorCode = e.code();
                job.error.assign(std::string_view(e.message()).substr(0, 199));
                (void)spool_.save(job);
                return failf(e.code(), e.detail(), "%s (gave up after %d tries; the job is kept)",
                             e.message(), attempt);
            }
            return st;
        }
        int64_t delay = backoffMs(policy_, attempt, random(), cloud::retryAfterSeconds(e));
        observer_.onRetry(job, e, attempt, delay);
        api_.close();  // a fresh connection for the retry
        if (!clock_.sleepMs(delay, cancel_))
            return fail(Errc::Interrupted, "interrupted: the job is kept and resumes");
    }
}

Status Runner::submit(Job& job, cloud::Service& service) noexcept {
    // Saved by the first step's own save (of the create it starts, or of what it found): a job
    // that stops before then is on disk as queued, and resumes the same way.
    SNAPSTAGE_TRY(setState(job, JobState::Submitting, false));
    JobCheckpoint checkpoint(spool_, job);
    Progress progress(observer_, job, metrics_, clock_, api_);
    cloud::StepContext ctx{api_, job.request, job.remote, checkpoint, &progress};
    while (!job.remote.submitted) {
        Status st = retrying(job, [&] { return service.step(ctx); });
        if (!st) return st;
    }
    job.submittedS = clock_.wallSeconds();
    job.errorCode = Errc::Ok;
    job.error.clear();
    return setState(job, JobState::Processing);
}

Status Runner::pollUntilDone(Job& job, cloud::Service& service) noexcept {
    JobCheckpoint checkpoint(spool_, job);
    cloud::StepContext ctx{api_, job.request, job.remote, checkpoint, nullptr};
    // The first poll at once, unless the service gave an estimate when it accepted the job.
    int64_t delay = job.remote.etaS > 0 ? pollDelayMs(policy_, 0, job.remote.etaS) : 0;
    for (;;) {
        if (delay > 0 && !clock_.sleepMs(delay, cancel_))
            return fail(Errc::Interrupted, "interrupted: the job is kept and resumes");
        cloud::PollResult p;
        Status st = retrying(job, [&]() -> Status {
            auto r = service.poll(ctx);
            if (!r) return fail(r.error());
            p = *r;
            return okStatus();
        });
        if (!st) return st;
        observer_.onStatus(job, p);
        writeMetricsIfDue(metrics_, api_);
        // The results are saved with the downloading state, next (downloadResults()).
        if (p.state == cloud::RemoteState::Done) return okStatus();
        if (p.state == cloud::RemoteState::Failed)
            return finishFailed(
                job, Error::format(Errc::ApiJobFailed, 0, "the service failed the job: %s",
                                   p.message.c_str()));
        if (clock_.wallSeconds() - job.submittedS > policy_.pollTimeoutS)
            return finishFailed(
                job, Error::format(Errc::ApiJobFailed, 0,
                                   "no result %lld s after submission (poll.timeout_s): gave up",
                                   static_cast<long long>(policy_.pollTimeoutS)));
        delay = pollDelayMs(policy_, delay, p.etaS);
    }
}

Status Runner::downloadResults(Job& job, cloud::Service& service) noexcept {
    SNAPSTAGE_TRY(setState(job, JobState::Downloading));
    JobCheckpoint checkpoint(spool_, job);
    Progress progress(observer_, job, metrics_, clock_, api_);
    cloud::StepContext ctx{api_, job.request, job.remote, checkpoint, &progress};
    ResultSink sink;
    while (job.resultsSaved < job.remote.resultCount) {
        size_t i = job.resultsSaved;
        FixedString<32> name;
        FixedString<fs::kMaxPathBytes> tmp, final;
        name.format("result-%zu.download", i + 1);
        spool_.jobFile(job.id.view(), name.view(), tmp);
        Status st = retrying(job, [&]() -> Status {
            SNAPSTAGE_TRY(sink.open(tmp.view()));
            Status s = service.download(ctx, i, sink);
            if (!s) sink.abandon();
            return s;
        });
        if (!st) return st.error().code() == Errc::ApiRejected ? finishFailed(job, st.error()) : st;
        const char* ext = sink.imageKind();
        name.format("result-%zu%s", i + 1, ext);
        spool_.jobFile(job.id.view(), name.view(), final);
        if (::rename(tmp.c_str(), final.c_str()) != 0)
            return failf(Errc::StorageIo, errno, "cannot rename %s", tmp.c_str());
        SNAPSTAGE_TRY(fs::syncParentDir(final.view()));
        job.resultExt[i].assign(ext);
        job.resultsSaved = i + 1;
        // The last one is saved with the done state, below.
        if (job.resultsSaved < job.remote.resultCount) SNAPSTAGE_TRY(spool_.save(job));
        observer_.onResult(job, final.c_str(), sink.bytes());
    }
    return setState(job, JobState::Done);
}

Status Runner::run(Job& job, cloud::Service& service, bool wait) noexcept {
    failureNoted_ = false;
    Status st = advance(job, service, wait);
    if (!st && st.error().code() == Errc::StorageFull)
        // The job stays as last saved (every step is saved whole or not at all) and resumes.
        st = failf(Errc::StorageFull, st.error().detail(),
                   "no space on the spool (%.*s): job %s is kept and resumes once there is room "
                   "(snapstage jobs --resume)",
                   static_cast<int>(spool_.dir().size()), spool_.dir().data(), job.id.c_str());
    if (!st) noteFailure(st.error());  // unless finishFailed() counted it already
    writeMetrics();  // the run's last state and counts, however soon after the last write
    return st;
}

Status Runner::advance(Job& job, cloud::Service& service, bool wait) noexcept {
    if (finished(job.state)) return okStatus();
    if (!job.remote.submitted) {
        Status st = submit(job, service);
        if (!st) {
            if (st.error().code() == Errc::ApiRejected) return finishFailed(job, st.error());
            return st;
        }
    }
    if (job.submittedS == 0) {
        // Accepted, but stopped before that was noted (a crash right after the last start
        // step): the polling time-out counts from now.
        job.submittedS = clock_.wallSeconds();
        SNAPSTAGE_TRY(spool_.save(job));
    }
    if (!wait) return okStatus();
    if (job.remote.resultCount == 0 || job.state == JobState::Processing) {
        SNAPSTAGE_TRY(setState(job, JobState::Processing));
        Status st = pollUntilDone(job, service);
        if (!st) {
            if (st.error().code() == Errc::ApiRejected) return finishFailed(job, st.error());
            return st;
        }
    }
    return downloadResults(job, service);
}

}  // namespace snapstage::jobs
