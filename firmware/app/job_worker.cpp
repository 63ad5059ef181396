// SPDX-License-Identifier: MIT
// The kiosk's job worker thread.
#include "firmware/app/job_worker.h"

#include <fcntl.h>
#include <unistd.h>

#include "firmware/app/clock_floor.h"
#include "firmware/net/socket.h"
#include "firmware/util/log.h"

namespace snapstage::app {

class JobWorker::Observer final : public jobs::RunObserver {
public:
    explicit Observer(JobWorker& w) noexcept : w_(w) {}
    void onUpload(const jobs::Job& job, uint64_t sent, uint64_t total) noexcept override {
        // At most one piece of upload news per percent: the queue stays small.
        uint64_t pct = total ? sent * 100 / total : 0;
        if (pct == lastPct_ && sent != total) return;
        lastPct_ = pct;
        WorkerNews n;
        n.kind = WorkerNews::Kind::Upload;
        n.job.assign(job.id.view());
        n.sent = sent;
        n.total = total;
        w_.post(n);
    }
    void onStatus(const jobs::Job& job, const cloud::PollResult& p) noexcept override {
        WorkerNews n;
        n.kind = WorkerNews::Kind::Status;
        n.job.assign(job.id.view());
        n.state = p.state;
        n.etaS = p.etaS;
        w_.post(n);
    }

private:
    JobWorker& w_;
    uint64_t lastPct_ = 101;
};

JobWorker::JobWorker(Runtime& rt) noexcept : rt_(rt) {}

JobWorker::~JobWorker() {
    stop();
    for (int fd : wake_)
        if (fd >= 0) ::close(fd);
}

Status JobWorker::start(int64_t retryMs) noexcept {
    retryMs_ = retryMs;
    news_.reset(new (std::nothrow) WorkerNews[kNews]);
    photos_.reset(new (std::nothrow) Pending[kQueue + 1]);
    job_.reset(new (std::nothrow) jobs::Job);
    if (!news_ || !job_ || !photos_) return fail(Errc::NoMemory, "no memory for the job worker");
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0)
        return fail(Errc::Internal, "cannot create the worker's wake-up pipe");
    thread_ = std::thread([this] { loop(); });
    return okStatus();
}

void JobWorker::stop() noexcept {
    if (!thread_.joinable()) return;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    net::requestInterrupt();  // a transfer in progress gives up; its job stays resumable
    wakeWorker_.notify_all();
    thread_.join();
}

bool JobWorker::submit(std::string_view path, const cloud::JobRequest& request) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    if (photoCount_ == kQueue) return false;
    Pending& p = photos_[(photoHead_ + photoCount_) % kQueue];
    p.path.assign(path);
    p.request = request;
    ++photoCount_;
    wakeWorker_.notify_all();
    return true;
}

void JobWorker::post(const WorkerNews& news) noexcept {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (newsCount_ == kNews) {  // the UI is behind: drop the oldest progress
            newsHead_ = (newsHead_ + 1) % kNews;
            --newsCount_;
        }
        news_[(newsHead_ + newsCount_) % kNews] = news;
        ++newsCount_;
    }
    char b = 1;
    (void)!::write(wake_[1], &b, 1);
}

bool JobWorker::next(WorkerNews& out) noexcept {
    char drain[64];
    while (::read(wake_[0], drain, sizeof drain) > 0) {
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (newsCount_ == 0) return false;
    out = news_[newsHead_];
    newsHead_ = (newsHead_ + 1) % kNews;
    --newsCount_;
    if (newsCount_) {
        char b = 1;
        (void)!::write(wake_[1], &b, 1);
    }
    return true;
}

void JobWorker::runOne(jobs::Job& job) noexcept {
    Observer observer(*this);
    jobs::Runner runner(rt_.spool(), rt_.api(), rt_.clock(), rt_.policy(), observer, &stop_,
                        &rt_.metrics());
    Status st = runner.run(job, rt_.service(), true);
    rt_.api().close();
    raiseClockFloor(rt_.spool().dir(), rt_.api().serverDate());
    WorkerNews n;
    n.job.assign(job.id.view());
    if (st) {
        n.kind = WorkerNews::Kind::Done;
        FixedString<32> name;
        name.format("result-1%s", job.resultExt[0].c_str());
        rt_.spool().jobFile(job.id.view(), name.view(), n.result);
        n.photo.assign(job.request.image.view());
        // A CDN URL anyone can open (AI HomeDesign); Autoenhance's needs the key: none.
        if (job.vendor != cloud::Vendor::Autoenhance && job.remote.resultCount > 0)
            n.link.assign(job.remote.results[0].view());
    } else {
        n.kind = WorkerNews::Kind::Failed;
        n.code = st.error().code();
        n.resumable = !jobs::finished(job.state);
        n.message.assign(std::string_view(st.error().message()).substr(0, 255));
    }
    post(n);
}

void JobWorker::resumeAll() noexcept {
    auto ids = rt_.spool().ids();
    if (!ids) return;
    int left = 0;
    for (const jobs::JobId& id : *ids) {
        if (stop_) return;
        if (!rt_.spool().load(id.view(), *job_) || jobs::finished(job_->state)) continue;
        if (job_->vendor != rt_.vendor()) continue;
        runOne(*job_);
        left += !jobs::finished(job_->state);
    }
    unfinished_ = left;
}

void JobWorker::prune() noexcept {
    // Logged, not said: the UI thread owns the events.
    if (auto said = rt_.pruneSpool(); !said.empty()) LOG_INFO("%s", said.c_str());
}

void JobWorker::loop() noexcept {
    // Retention at start and then hourly: a kiosk runs for months, and nothing else prunes.
    prune();
    int64_t lastPrune = rt_.clock().monotonicMs();
    resumeAll();
    int64_t lastResume = rt_.clock().monotonicMs();
    for (;;) {
        Pending& taken = photos_[kQueue];  // the spare slot: the queue's entry is freed at once
        taken.path.clear();
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wakeWorker_.wait_for(lock, std::chrono::milliseconds(1000),
                                 [this] { return stop_ || photoCount_ > 0; });
            if (stop_) return;
            if (photoCount_) {
                taken = photos_[photoHead_];
                photoHead_ = (photoHead_ + 1) % kQueue;
                --photoCount_;
            }
        }
        if (!taken.path.empty()) {
            *job_ = jobs::Job{};
            job_->vendor = rt_.vendor();
            job_->request = taken.request;
            Status st = rt_.spool().create(*job_, {taken.path.view(), "", ""});
            ::unlink(taken.path.c_str());
            WorkerNews n;
            n.job.assign(job_->id.view());
            if (!st) {
                rt_.jobNotCreated(st.error());
                n.kind = WorkerNews::Kind::Failed;
                n.code = st.error().code();
                n.message.assign(std::string_view(st.error().message()).substr(0, 255));
                post(n);
                continue;
            }
            n.kind = WorkerNews::Kind::Created;
            post(n);
            runOne(*job_);
            if (!jobs::finished(job_->state)) ++unfinished_;
            continue;
        }
        if (unfinished_ > 0 && rt_.clock().monotonicMs() - lastResume >= retryMs_) {
            lastResume = rt_.clock().monotonicMs();
            resumeAll();
        }
        if (rt_.clock().monotonicMs() - lastPrune >= kPruneEveryMs) {
            lastPrune = rt_.clock().monotonicMs();
            prune();
        }
    }
}

}  // namespace snapstage::app
