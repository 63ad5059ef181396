// SPDX-License-Identifier: MIT
// The durable job spool.
#include "firmware/jobs/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "firmware/util/fd.h"

namespace snapstage::jobs {
namespace {

SpoolNotice gNotice = nullptr;

void notice(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void notice(const char* fmt, ...) {
    if (!gNotice) return;
    char line[512];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(line, sizeof line, fmt, args);
    va_end(args);
    gNotice(line);
}

std::string_view extensionOf(std::string_view path) {
    std::string_view name = path.substr(path.rfind('/') + 1);
    size_t dot = name.rfind('.');
    std::string_view ext = dot == std::string_view::npos ? std::string_view() : name.substr(dot);
    if (ext == ".jpeg" || ext == ".JPG" || ext == ".JPEG") return ".jpg";
    return ext.size() <= 5 ? ext : std::string_view(".bin");
}

// A job folder name we made: letters, digits and '-' only.
bool plausibleId(std::string_view id) {
    if (id.empty() || id.size() > JobId::kCapacity) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-';
    });
}

// When a job was made, from its id (create() names it "YYYYMMDD-HHMMSS-xxxxxx" in UTC).
bool madeAt(std::string_view id, int64_t& out) {
    char stamp[16];
    if (id.size() < sizeof stamp || id[15] != '-') return false;
    std::memcpy(stamp, id.data(), 15);
    stamp[15] = '\0';
    tm t{};
    const char* end = ::strptime(stamp, "%Y%m%d-%H%M%S", &t);
    if (!end || *end) return false;
    out = static_cast<int64_t>(::timegm(&t));
    return true;
}

Status removeFlatDir(const char* dir) {
    DIR* d = ::opendir(dir);
    if (!d) return failf(Errc::StorageIo, errno, "cannot open %s: %s", dir, std::strerror(errno));
    char path[fs::kMaxPathBytes];
    while (dirent* e = ::readdir(d)) {
        if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
        std::snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ::unlink(path);
    }
    ::closedir(d);
    if (::rmdir(dir) != 0)
        return failf(Errc::StorageIo, errno, "cannot remove %s: %s", dir, std::strerror(errno));
    return okStatus();
}

// metrics.census: the finished jobs a census has seen, so that the next process does not read
// them again (a finished job stays as it is until it is removed). Host byte order: the file
// never leaves the device. A file that is not exactly what save() writes is ignored whole and
// replaced by the next census: it is a cache, and any valid one only lists finished jobs.
constexpr const char* kCensusFile = "metrics.census";
constexpr char kCensusMagic[8] = {'s', 's', 'c', 'e', 'n', 's', '1', '\n'};
struct CensusRecord {
    char id[24];  // NUL-padded
    uint64_t bytes;
    uint8_t state;
    uint8_t zero[7];
};
static_assert(sizeof(CensusRecord) == 40);

bool readExactly(int fd, void* out, size_t size) {
    auto* p = static_cast<char*>(out);
    while (size > 0) {
        ssize_t n = ::read(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

void setSpoolNotice(SpoolNotice n) noexcept {
    gNotice = n;
}

Spool::Spool() noexcept = default;
Spool::~Spool() = default;

Status Spool::init(std::string_view dir, Clock& clock) noexcept {
    clock_ = &clock;
    while (dir.size() > 1 && dir.back() == '/')
        dir.remove_suffix(1);
    if (!dir_.assign(dir)) return fail(Errc::Config, "spool.dir: path too long");
    std::string jobs(dir), damaged(dir);
    jobs += "/jobs";
    damaged += "/damaged";
    SNAPSTAGE_TRY(fs::makeDirs(jobs, 0750));
    SNAPSTAGE_TRY(fs::makeDirs(damaged, 0750));
    text_.reset(new (std::nothrow) char[kTextBytes]);
    if (!text_ || !arena_.init(256 * 1024)) return fail(Errc::NoMemory, "no memory for the spool");
    return okStatus();
}

Status Spool::lock(bool exclusive) noexcept {
    FixedString<fs::kMaxPathBytes> path;
    path.format("%s/lock", dir_.c_str());
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
    if (!fd.valid())
        return failf(Errc::StorageIo, errno, "cannot open %s: %s", path.c_str(),
                     std::strerror(errno));
    if (::flock(fd.get(), (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0)
        return failf(Errc::StorageIo, errno,
                     "the spool %s is in use by another snapstage (the kiosk service?): stop it "
                     "first, or let it carry the jobs on",
                     dir_.c_str());
    lock_ = std::move(fd);
    exclusive_ = exclusive;
    return okStatus();
}

bool Spool::jobDir(std::string_view id, FixedString<fs::kMaxPathBytes>& out) const noexcept {
    return out.format("%s/jobs/%.*s", dir_.c_str(), static_cast<int>(id.size()), id.data());
}

bool Spool::jobFile(std::string_view id, std::string_view name,
                    FixedString<fs::kMaxPathBytes>& out) const noexcept {
    return out.format("%s/jobs/%.*s/%.*s", dir_.c_str(), static_cast<int>(id.size()), id.data(),
                      static_cast<int>(name.size()), name.data());
}

Status Spool::copyInto(std::string_view src, std::string_view dstDir, const char* name,
                       FixedString<512>& out) noexcept {
    FixedString<fs::kMaxPathBytes> srcPath;
    if (!srcPath.assign(src)) return fail(Errc::InvalidArgument, "input path too long");
    UniqueFd in(::open(srcPath.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!in.valid())
        return failf(errno == ENOENT ? Errc::NotFound : Errc::StorageIo, errno,
                     "cannot read %s: %s", srcPath.c_str(), std::strerror(errno));
    struct stat st {};
    if (::fstat(in.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return failf(Errc::StorageIo, 0, "%s is not a regular file", srcPath.c_str());
    std::string_view ext = extensionOf(src);
    if (!out.format("%.*s/%s%.*s", static_cast<int>(dstDir.size()), dstDir.data(), name,
                    static_cast<int>(ext.size()), ext.data()))
        return fail(Errc::InvalidArgument, "spool path too long");
    SNAPSTAGE_TRY(file_.open(out.view(), 0640));
    if (Status copied = file_.copyFrom(in.get()); copied.ok())
        return file_.commit();
    else if (copied.error().code() != Errc::NotSupported)
        return failf(copied.error().code(), copied.error().detail(), "cannot copy %s: %s",
                     srcPath.c_str(), copied.error().message());
    for (;;) {  // no copy_file_range here: through memory
        ssize_t n = ::read(in.get(), text_.get(), kTextBytes);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return failf(Errc::StorageIo, errno, "cannot read %s: %s", srcPath.c_str(),
                         std::strerror(errno));
        if (n == 0) break;
        SNAPSTAGE_TRY(file_.write(
            std::span(reinterpret_cast<const std::byte*>(text_.get()), static_cast<size_t>(n))));
    }
    return file_.commit();
}

Status Spool::create(Job& job, const NewJobInputs& inputs) noexcept {
    uint8_t rnd[3] = {};
    if (getrandom(rnd, sizeof rnd, 0) != static_cast<ssize_t>(sizeof rnd))
        return fail(Errc::Internal, "no random bytes for a job id");
    time_t now = static_cast<time_t>(clock_->wallSeconds());
    tm t{};
    gmtime_r(&now, &t);
    job.id.format("%04d%02d%02d-%02d%02d%02d-%02x%02x%02x", t.tm_year + 1900, t.tm_mon + 1,
                  t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, rnd[0], rnd[1], rnd[2]);
    job.request.jobId.assign(job.id.view());
    job.state = JobState::Queued;
    job.createdS = clock_->wallSeconds();
    FixedString<fs::kMaxPathBytes> dir;
    if (!jobDir(job.id.view(), dir)) return fail(Errc::InvalidArgument, "spool path too long");
    if (::mkdir(dir.c_str(), 0750) != 0)
        return failf(errno == ENOSPC ? Errc::StorageFull : Errc::StorageIo, errno,
                     "cannot create %s: %s", dir.c_str(), std::strerror(errno));
    Status st = copyInto(inputs.image, dir.view(), "input-1", job.request.image);
    if (st && !inputs.secondary.empty())
        st = copyInto(inputs.secondary, dir.view(), "input-2", job.request.secondary);
    if (st && !inputs.mask.empty())
        st = copyInto(inputs.mask, dir.view(), "mask", job.request.mask);
    if (st) st = save(job);
    if (st) st = fs::syncParentDir(dir.view());
    if (!st) {
        (void)removeFlatDir(dir.c_str());  // nothing was sent: leave no half-made job behind
        if (st.error().code() == Errc::StorageFull)
            return failf(Errc::StorageFull, st.error().detail(),
                         "no space on the spool (%s) for the photo: free some space", dir_.c_str());
        return st;
    }
    return okStatus();
}

Status Spool::save(Job& job) noexcept {
    job.updatedS = clock_->wallSeconds();
    FixedString<fs::kMaxPathBytes> dir, path;
    if (!jobDir(job.id.view(), dir) || !jobFile(job.id.view(), "job.json", path))
        return fail(Errc::InvalidArgument, "spool path too long");
    auto text = writeJobJson(job, std::span(text_.get(), kTextBytes));
    if (!text) return fail(text.error());
    Status st = file_.open(path.view(), 0640);
    if (st) st = file_.write(fs::bytes(*text));
    if (st) st = file_.commit();
    if (!st) {
        file_.abandon();
        if (st.error().code() == Errc::StorageFull)
            return failf(Errc::StorageFull, st.error().detail(), "no space on the spool (%s)",
                         dir_.c_str());
        return st;
    }
    return okStatus();
}

Status Spool::quarantine(std::string_view id, const char* why) noexcept {
    FixedString<fs::kMaxPathBytes> from, to;
    jobDir(id, from);
    to.format("%s/damaged/%.*s-%lld", dir_.c_str(), static_cast<int>(id.size()), id.data(),
              static_cast<long long>(clock_->wallSeconds()));
    if (::rename(from.c_str(), to.c_str()) != 0)
        return failf(Errc::StorageIo, errno, "job %.*s is damaged (%s) and cannot be moved aside",
                     static_cast<int>(id.size()), id.data(), why);
    (void)fs::syncDir(dir_.c_str());
    notice("job %.*s: job.json is damaged (%s); moved aside to %s", static_cast<int>(id.size()),
           id.data(), why, to.c_str());
    return failf(Errc::StorageFormat, 0, "job %.*s was damaged (%s) and moved aside to %s",
                 static_cast<int>(id.size()), id.data(), why, to.c_str());
}

Status Spool::load(std::string_view id, Job& job) noexcept {
    if (!plausibleId(id))
        return failf(Errc::NotFound, 0, "no job %.*s",
                     static_cast<int>(id.size() > 60 ? 60 : id.size()), id.data());
    FixedString<fs::kMaxPathBytes> dir, path;
    jobDir(id, dir);
    jobFile(id, "job.json", path);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        struct stat st {};
        if (errno == ENOENT && ::stat(dir.c_str(), &st) == 0) {
            // A folder without its record may be a job another process is making right now
            // (create() copies the photo before it writes job.json): left alone while young,
            // unless this process holds the spool alone (no one else can be making one: it is
            // what a crash or a power cut left).
            if (!exclusive_ &&
                clock_->wallSeconds() - static_cast<int64_t>(st.st_mtime) < kMakingSeconds)
                return failf(Errc::NotFound, 0, "job %.*s is still being made",
                             static_cast<int>(id.size()), id.data());
            return quarantine(id, "no job.json");
        }
        return failf(Errc::NotFound, errno, "no job %.*s in %s", static_cast<int>(id.size()),
                     id.data(), dir_.c_str());
    }
    size_t got = 0;
    for (;;) {
        ssize_t n = ::read(fd.get(), text_.get() + got, kTextBytes - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failf(Errc::StorageIo, errno, "cannot read %s", path.c_str());
        if (n == 0) break;
        got += static_cast<size_t>(n);
        if (got == kTextBytes) return quarantine(id, "too large");
    }
    Status st = readJobJson(std::string_view(text_.get(), got), dir.view(), arena_, job);
    if (!st) return quarantine(id, st.error().message());
    if (job.id.view() != id) return quarantine(id, "its id does not match its folder");
    return okStatus();
}

Result<DIR*> Spool::openJobs() const noexcept {
    FixedString<fs::kMaxPathBytes> jobs;
    jobs.format("%s/jobs", dir_.c_str());
    DIR* d = ::opendir(jobs.c_str());
    if (!d)
        return failf(Errc::StorageIo, errno, "cannot open %s: %s", jobs.c_str(),
                     std::strerror(errno));
    return d;
}

Result<std::vector<JobId>> Spool::ids() const noexcept {
    std::vector<JobId> out;
    auto opened = openJobs();
    if (!opened) return fail(opened.error());
    DIR* d = *opened;
    while (dirent* e = ::readdir(d)) {
        if (!plausibleId(e->d_name)) continue;
        JobId id;
        id.assign(e->d_name);
        out.push_back(id);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end(),
              [](const JobId& a, const JobId& b) { return a.view() < b.view(); });
    return out;
}

Result<size_t> Spool::prune(uint32_t keepDays) noexcept {
    auto all = ids();
    if (!all) return fail(all.error());
    int64_t cutoff = clock_->wallSeconds() - static_cast<int64_t>(keepDays) * 86400;
    size_t removed = 0;
    auto job = std::make_unique<Job>();
    for (const JobId& id : *all) {
        // Made after the cutoff, so last saved after it too: not read at all. A busy week's
        // spool is then read only where there may be something to remove.
        if (int64_t made = 0; madeAt(id.view(), made) && made >= cutoff) continue;
        if (!load(id.view(), *job)) continue;  // damaged ones were moved aside
        if (!finished(job->state) || job->updatedS >= cutoff) continue;
        FixedString<fs::kMaxPathBytes> dir;
        jobDir(id.view(), dir);
        if (removeFlatDir(dir.c_str())) ++removed;
    }
    if (removed) (void)fs::syncDir(dir_.c_str());
    return removed;
}

Status Spool::keepCensus(size_t jobs) noexcept {
    finished_.reset(new (std::nothrow) Finished[jobs]);
    if (!finished_) return fail(Errc::NoMemory, "no memory for the spool's census");
    finishedCapacity_ = jobs;
    finishedCount_ = 0;
    loadCensus();
    return okStatus();
}

void Spool::loadCensus() noexcept {
    finishedCount_ = 0;
    censusChanged_ = false;
    FixedString<fs::kMaxPathBytes> path;
    if (!path.format("%s/%s", dir_.c_str(), kCensusFile)) return;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (!fd.valid()) return;  // none yet: the first census writes it
    censusChanged_ = true;    // until it proves whole: replaced by the next census
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return;
    size_t size = static_cast<size_t>(st.st_size);
    if (size < sizeof kCensusMagic || (size - sizeof kCensusMagic) % sizeof(CensusRecord) != 0)
        return;
    size_t left = (size - sizeof kCensusMagic) / sizeof(CensusRecord);
    char magic[sizeof kCensusMagic];
    if (left > finishedCapacity_ || !readExactly(fd.get(), magic, sizeof magic) ||
        std::memcmp(magic, kCensusMagic, sizeof magic) != 0)
        return;
    CensusRecord chunk[32];
    while (left > 0) {
        size_t n = std::min(left, std::size(chunk));
        if (!readExactly(fd.get(), chunk, n * sizeof(CensusRecord)))
            return (void)(finishedCount_ = 0);
        for (size_t i = 0; i < n; ++i) {
            const CensusRecord& r = chunk[i];
            std::string_view id(r.id, ::strnlen(r.id, sizeof r.id));
            auto state = static_cast<JobState>(r.state);
            bool inOrder =
                finishedCount_ == 0 || std::string_view(finished_[finishedCount_ - 1].id) < id;
            if (id.size() == sizeof r.id || !plausibleId(id) || r.state >= kJobStates ||
                !finished(state) || !inOrder)
                return (void)(finishedCount_ = 0);
            Finished& f = finished_[finishedCount_++];
            std::memcpy(f.id, id.data(), id.size());
            f.id[id.size()] = '\0';
            f.bytes = r.bytes;
            f.state = state;
            f.seen = false;
        }
        left -= n;
    }
    censusChanged_ = false;
}

void Spool::saveCensus() noexcept {
    FixedString<fs::kMaxPathBytes> path;
    fs::AtomicFile out;  // its own: a census may come while a job's file is open
    if (!path.format("%s/%s", dir_.c_str(), kCensusFile) || !out.open(path.view(), 0640)) return;
    Status st = out.write(std::as_bytes(std::span(kCensusMagic)));
    CensusRecord chunk[32];
    for (size_t done = 0; st && done < finishedCount_;) {
        size_t n = std::min(finishedCount_ - done, std::size(chunk));
        std::memset(chunk, 0, sizeof chunk);
        for (size_t i = 0; i < n; ++i) {
            const Finished& f = finished_[done + i];
            std::memcpy(chunk[i].id, f.id, ::strnlen(f.id, sizeof f.id));
            chunk[i].bytes = f.bytes;
            chunk[i].state = static_cast<uint8_t>(f.state);
        }
        st = out.write(std::as_bytes(std::span(chunk, n)));
        done += n;
    }
    // Not fsync'd, as the metrics: a power cut may take it back, and the next census reads
    // again what it no longer lists.
    if (st && out.replace())
        censusChanged_ = false;
    else
        out.abandon();
}

Spool::Finished* Spool::findFinished(std::string_view id) noexcept {
    Finished* end = finished_.get() + finishedCount_;
    Finished* f = std::lower_bound(
        finished_.get(), end, id,
        [](const Finished& a, std::string_view b) { return std::string_view(a.id) < b; });
    return f != end && std::string_view(f->id) == id ? f : nullptr;
}

void Spool::rememberFinished(std::string_view id, JobState state, uint64_t bytes) noexcept {
    if (finishedCount_ == finishedCapacity_ || id.size() >= sizeof Finished::id) return;
    Finished* end = finished_.get() + finishedCount_;
    Finished* at = std::lower_bound(
        finished_.get(), end, id,
        [](const Finished& a, std::string_view b) { return std::string_view(a.id) < b; });
    std::move_backward(at, end, end + 1);
    std::memcpy(at->id, id.data(), id.size());
    at->id[id.size()] = '\0';
    at->bytes = bytes;
    at->state = state;
    at->seen = true;
    ++finishedCount_;
    censusChanged_ = true;
}

void Spool::forgetUnseen() noexcept {
    Finished* end = std::remove_if(finished_.get(), finished_.get() + finishedCount_,
                                   [](const Finished& f) { return !f.seen; });
    size_t left = static_cast<size_t>(end - finished_.get());
    if (left != finishedCount_) censusChanged_ = true;
    finishedCount_ = left;
    for (size_t i = 0; i < finishedCount_; ++i)
        finished_[i].seen = false;
}

Status Spool::census(SpoolCensus& out) noexcept {
    out = SpoolCensus{};
    FixedString<fs::kMaxPathBytes> dir, path;
    auto opened = openJobs();
    if (!opened) return fail(opened.error());
    DIR* d = *opened;
    uint64_t jobBytes = 0;
    while (dirent* e = ::readdir(d)) {
        if (!plausibleId(e->d_name)) continue;
        if (Finished* f = finished_ ? findFinished(e->d_name) : nullptr) {
            f->seen = true;
            ++out.jobs[static_cast<size_t>(f->state)];
            jobBytes += f->bytes;
            continue;
        }
        if (!jobDir(e->d_name, dir) || !jobFile(e->d_name, "job.json", path)) continue;
        auto bytes = fs::diskUsage(dir.c_str(), 0);
        if (!bytes) continue;  // removed meanwhile
        jobBytes += *bytes;
        auto got =
            fs::readInto(path.c_str(), std::as_writable_bytes(std::span(text_.get(), kTextBytes)));
        if (!got) continue;
        arena_.reset();
        auto doc = json::Document::parse(std::string_view(text_.get(), *got), &arena_);
        JobState state;
        if (!doc || !parseJobState(doc->root().get("state").asString(), state)) continue;
        ++out.jobs[static_cast<size_t>(state)];
        if (finished(state) && finished_) rememberFinished(e->d_name, state, *bytes);
    }
    ::closedir(d);
    if (finished_) forgetUnseen();                  // removed jobs
    if (finished_ && censusChanged_) saveCensus();  // before the size: it counts the file too
    auto rest = fs::diskUsage(dir_.c_str(), 4, "jobs");
    if (!rest) return fail(rest.error());
    out.bytes = *rest + jobBytes;
    return okStatus();
}

Result<std::string> Spool::readAside(std::string_view name) const noexcept {
    std::string path(dir_.view());
    path += '/';
    path += name;
    return fs::readTextFile(path, 1 << 20);
}

Status Spool::writeAside(std::string_view name, std::string_view text) noexcept {
    std::string path(dir_.view());
    path += '/';
    path += name;
    return fs::writeFileAtomic(path, fs::bytes(text));
}

}  // namespace snapstage::jobs
