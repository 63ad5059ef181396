// SPDX-License-Identifier: MIT
// jobs::Spool: the durable job store on disk. Each job is a folder <dir>/jobs/<id>/ holding its
// input images, job.json and, later, its results. A job is written here before any byte of it
// leaves the device, and every change is saved durably (temporary file, fsync, rename, fsync of
// the folder). A damaged job.json is moved aside into <dir>/damaged/ so that the rest keeps
// working. Not thread-safe: the job worker owns it.
#pragma once

#include <dirent.h>

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "firmware/jobs/job.h"
#include "firmware/util/clock.h"
#include "firmware/util/fd.h"
#include "firmware/util/fs.h"

namespace snapstage::jobs {

// The input files of a new job (paths on this device; copied into the spool).
struct NewJobInputs {
    std::string_view image;
    std::string_view secondary;  // optional
    std::string_view mask;       // optional
};

// What the spool holds (the fleet metrics' gauges).
struct SpoolCensus {
    uint64_t jobs[kJobStates] = {};  // by JobState
    uint64_t bytes = 0;              // the whole spool folder on disk
};

class Spool {
public:
    // How long a job folder without job.json counts as being made by another process (not
    // damaged): create() copies the photo first, which can take seconds on a slow card.
    static constexpr int64_t kMakingSeconds = 120;
    Spool() noexcept;
    ~Spool();
    Spool(const Spool&) = delete;
    Spool& operator=(const Spool&) = delete;

    // Creates <dir>/jobs and <dir>/damaged as needed and allocates the record buffers (the only
    // allocations). Errors: StorageIo/StorageFull naming the folder.
    Status init(std::string_view dir, Clock& clock) noexcept;
    std::string_view dir() const noexcept { return dir_.view(); }

    // An advisory lock on <dir>/lock, released when the process ends. `exclusive` for those that
    // carry on any unfinished job (`jobs --resume`, the kiosk): no one else may run a job then.
    // Shared for `submit`, which runs only the job it makes: several may run side by side, but
    // not beside an exclusive holder (it could pick up their jobs halfway).
    // Errors: StorageIo saying the spool is in use when the lock cannot be had at once.
    Status lock(bool exclusive = true) noexcept;

    // Gives `job` a new id, creates its folder, copies the inputs into it (durably) and saves
    // job.json, all before anything is sent. `job.request.tool/params` and `job.vendor` are
    // kept as given. Errors: NotFound (an input), StorageFull, StorageIo.
    Status create(Job& job, const NewJobInputs& inputs) noexcept;
    // Saves `job` (updated time set now). Errors: StorageFull ("no space on the spool"), StorageIo.
    Status save(Job& job) noexcept;
    // Loads job `id`. A job.json that cannot be read as a job is moved aside into damaged/ and
    // reported as StorageFormat naming the job. Errors: NotFound, StorageFormat, StorageIo.
    Status load(std::string_view id, Job& job) noexcept;
    // The ids of every job folder, oldest first (start-up and listing: allocates).
    Result<std::vector<JobId>> ids() const noexcept;
    // Removes finished jobs last updated more than `keepDays` days ago; unfinished jobs are never
    // removed. Returns how many were removed. Reads only the jobs made before the cutoff (the
    // time is in the id), so it costs a folder listing on a spool with nothing to remove, and
    // a damaged job.json of a younger job is left for the next load() to move aside.
    Result<size_t> prune(uint32_t keepDays) noexcept;

    // <dir>/jobs/<id> and <dir>/jobs/<id>/<name>, into `out`.
    bool jobDir(std::string_view id, FixedString<fs::kMaxPathBytes>& out) const noexcept;
    bool jobFile(std::string_view id, std::string_view name,
                 FixedString<fs::kMaxPathBytes>& out) const noexcept;

    // Counts the jobs by the state their job.json records, and the spool's size on disk. Only
    // reads: a job folder without a readable job.json (being made by another process, or
    // damaged) is not counted and not moved. No allocation in the project's code.
    // Errors: StorageIo when the spool cannot be read.
    Status census(SpoolCensus& out) noexcept;
    // Lets census() remember up to `jobs` finished jobs (a finished job's state and size stay
    // as they are until it is removed), so that it reads only the unfinished ones: a census of
    // a spool of a thousand jobs then costs a folder listing. What it remembers is kept for the
    // next process in <dir>/metrics.census (rewritten by census() when it changed, not
    // fsync'd) and read back here, so that a `submit` per photo does not read every job of a
    // week's spool again. Allocates (40 bytes a job). Errors: NoMemory.
    Status keepCensus(size_t jobs) noexcept;

    // A small file beside the jobs (the catalog cache): read into a string, written durably.
    Result<std::string> readAside(std::string_view name) const noexcept;
    Status writeAside(std::string_view name, std::string_view text) noexcept;

    Clock& clock() noexcept { return *clock_; }

private:
    // <dir>/jobs, opened for reading its entries (the caller closes it).
    Result<DIR*> openJobs() const noexcept;
    Status quarantine(std::string_view id, const char* why) noexcept;
    // A finished job census() has seen, sorted by id.
    struct Finished {
        char id[24];
        uint64_t bytes;
        JobState state;
        bool seen;
    };
    Finished* findFinished(std::string_view id) noexcept;
    void rememberFinished(std::string_view id, JobState state, uint64_t bytes) noexcept;
    void forgetUnseen() noexcept;
    void loadCensus() noexcept;  // best effort: a cache
    void saveCensus() noexcept;
    Status copyInto(std::string_view src, std::string_view dstDir, const char* name,
                    FixedString<512>& out) noexcept;

    FixedString<fs::kMaxPathBytes> dir_;
    Clock* clock_ = nullptr;
    std::unique_ptr<char[]> text_;  // job.json read and written through here
    Arena arena_;
    fs::AtomicFile file_;
    UniqueFd lock_;
    bool exclusive_ = false;  // lock_ is held alone (resume, the kiosk)
    std::unique_ptr<Finished[]> finished_;
    size_t finishedCount_ = 0, finishedCapacity_ = 0;
    bool censusChanged_ = false;  // finished_ differs from <dir>/metrics.census
    static constexpr size_t kTextBytes = 64 * 1024;
};

// Moves a damaged job aside is reported through this hook (set by the app to print a message).
using SpoolNotice = void (*)(const char* message);
void setSpoolNotice(SpoolNotice notice) noexcept;

}  // namespace snapstage::jobs
