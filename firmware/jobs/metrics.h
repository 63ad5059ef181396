// SPDX-License-Identifier: MIT
// jobs::Metrics: the fleet metrics of the spool's jobs, exported as a Prometheus text file for
// node_exporter's textfile collector (docs/metrics.md). Counters (failures by cause, upload
// bytes, the upload and job duration histograms, the last success, TLS handshakes) live in one
// small record in the spool, <spool>/metrics.counters, which every process that runs jobs (each
// `submit`, `jobs --resume`, the kiosk) adds its own counts to under <spool>/metrics.lock, so
// that they add up instead of overwriting each other. The gauges (jobs by state, the spool's
// size) are counted from the spool whenever the file is written. Buffers are allocated by
// init(); noting and writing allocate nothing in the project's code. One thread (the job
// worker's) uses it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "firmware/jobs/spool.h"
#include "firmware/net/tls.h"
#include "firmware/util/fs.h"

namespace snapstage::jobs {

// Why a run of a job ended without its result: the `cause` label of
// snapstage_job_failures_total, derived from the error code (failureCause()).
enum class FailureCause : uint8_t {
    Network,   // DNS, connect, reset, time-outs, broken HTTP (exit code 3)
    Tls,       // handshake, untrusted or expired certificate, host name, pin
    Clock,     // a certificate not valid yet: the device's clock is behind
    Auth,      // 401/403: the API key (or a storage link) refused (exit code 4)
    Rejected,  // another 4xx: the service refused the request (exit code 4)
    Server,    // 5xx, 408, 429 after every retry, answers that are not what the API says
    Service,   // the service failed the job, or no result within poll.timeout_s (exit code 1)
    Storage,   // the spool: full, unwritable, a damaged record (exit code 5)
    Device,    // camera, display, JPEG, input (exit code 5)
    Other,     // anything else (out of memory, an internal error, a usage error)
};
inline constexpr size_t kFailureCauses = 10;
const char* to_string(FailureCause cause) noexcept;
// The cause of a failure with `error`; Interrupted (a stop asked for) is not a failure: false.
bool failureCause(const Error& error, FailureCause& out) noexcept;

// Bucket upper bounds, in seconds. A multi-MB photo on home Wi-Fi (uplinks of 1 to 50 Mbit/s)
// takes from under a second to a few minutes; a job from a few seconds to 15 minutes (the
// default poll.timeout_s), more when it waited in the spool for a network.
inline constexpr double kUploadBounds[] = {0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300};
inline constexpr double kJobBounds[] = {5, 10, 20, 30, 60, 120, 180, 300, 600, 900, 1800, 3600};

struct Histogram {
    static constexpr size_t kMaxBounds = 15;
    uint64_t counts[kMaxBounds + 1] = {};  // per bucket (not cumulative); [bounds] above them all
    double sum = 0;
    uint64_t count = 0;
    void observe(const std::span<const double>& bounds, double value) noexcept;
};

// Everything counted (a running total, or what one process noted since its last write).
struct Counters {
    uint64_t failures[kFailureCauses] = {};
    uint64_t uploadBytes = 0;
    Histogram upload;  // kUploadBounds
    Histogram job;     // kJobBounds
    int64_t lastSuccessS = 0;
    uint64_t tlsFull = 0, tlsResumed = 0;
    // Sums counters and histograms; the later of the two last successes.
    void add(const Counters& other) noexcept;
    bool empty() const noexcept;
};

// The record's text: "name value" lines (failures <cause> N, upload_le <bound> N, ...), read
// back by readCounters(). Errors: Overflow when `out` is too small.
Result<std::string_view> writeCounters(const Counters& c, std::span<char> out) noexcept;
// Errors: StorageFormat naming the line that is not a counter. Unknown names are skipped
// (a newer version's), and so are buckets whose bound is not one of ours.
Status readCounters(std::string_view text, Counters& out) noexcept;

// The Prometheus text exposition of `c` and `census`: HELP and TYPE lines, every label value
// present (zeros included) so that alert rules see the series from the start.
Result<std::string_view> formatPrometheus(const Counters& c, const SpoolCensus& census,
                                          std::span<char> out) noexcept;

class Metrics {
public:
    Metrics() noexcept;
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // `spool` (borrowed; initialised) holds the counters; `textfile` is the Prometheus file,
    // "" for none: every call below is then a no-op. Creates the textfile's folder (mode 0755:
    // node_exporter runs as another user) and allocates the buffers.
    // Errors: StorageIo naming the folder, NoMemory.
    Status init(Spool& spool, std::string_view textfile) noexcept;
    bool enabled() const noexcept { return spool_ != nullptr; }
    std::string_view textfile() const noexcept { return textfile_.view(); }

    // Noted in memory until flush().
    void failed(const Error& error) noexcept;  // a run of a job ended without its result
    void succeeded(const Job& job) noexcept;   // a job reached Done (its duration, now)
    void uploaded(uint64_t bytes) noexcept;    // photo bytes handed to the connection
    void uploadTook(double seconds) noexcept;  // a photo's body went out and was answered

    // Adds what was noted since the last flush (and the TLS handshakes since then, given as
    // the process's running totals) to the spool's counters under the lock, counts the spool
    // and writes the text file, each durably. Errors: Storage*; what was noted stays for the
    // next flush when the counters could not be saved.
    Status flush(net::HandshakeCounts handshakes) noexcept;
    // flush(), with the first failure of the process logged as a warning: metrics never stop a
    // job.
    void flushOrWarn(net::HandshakeCounts handshakes) noexcept;
    // A job changed state as it runs: written at once (flushOrWarn) when the last write is at
    // least kSpacingMs old, else kept until due() or flushPending(). A job's steps follow
    // each other within milliseconds, and a scrape (15 s to a minute apart) sees none of them;
    // spaced, a job that takes a second writes the file twice (at the command's start and at
    // the run's end) instead of at every step, and a card is spared the rest.
    void changed(net::HandshakeCounts handshakes) noexcept;
    // A kept change waits and kSpacingMs have passed since the last write: then the caller
    // writes it (flushOrWarn). Asked as a job uploads, polls and downloads, so that a long step
    // shows in the file within seconds; a clock read, nothing more, until it is due.
    bool due() const noexcept;
    // Writes a kept change or anything noted, whatever the spacing: the end of a run of a job.
    void flushPending(net::HandshakeCounts handshakes) noexcept;
    static constexpr int64_t kSpacingMs = 5000;

    // Reads the spool's counters as they stand (tests, `doctor`). Errors: Storage*.
    Status readTotals(Counters& out) noexcept;

private:
    Status readRecord(Counters& out) noexcept;

    Spool* spool_ = nullptr;
    FixedString<fs::kMaxPathBytes> textfile_, record_, lock_;
    Counters pending_;
    net::HandshakeCounts seenHandshakes_;
    bool changed_ = false;                 // a change kept for a later write
    int64_t lastWriteMs_ = INT64_MIN / 2;  // monotonic; long ago until the first write
    std::unique_ptr<char[]> text_;         // the record and the Prometheus text, in turn
    bool warned_ = false;
    static constexpr size_t kTextBytes = 16 * 1024;
    static constexpr size_t kCensusJobs = 4096;  // finished jobs whose census is remembered
};

}  // namespace snapstage::jobs
