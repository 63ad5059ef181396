// SPDX-License-Identifier: MIT
// The fleet metrics: counts noted in memory, added to the spool's counters record under its
// lock, and the Prometheus text file written from them and from a census of the spool.
#include "firmware/jobs/metrics.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "firmware/util/fd.h"
#include "firmware/util/log.h"

namespace snapstage::jobs {

Metrics::Metrics() noexcept = default;
Metrics::~Metrics() = default;

Status Metrics::init(Spool& spool, std::string_view textfile) noexcept {
    spool_ = nullptr;
    if (textfile.empty()) return okStatus();
    if (!textfile_.assign(textfile) ||
        !record_.format("%s/metrics.counters", std::string(spool.dir()).c_str()) ||
        !lock_.format("%s/metrics.lock", std::string(spool.dir()).c_str()))
        return fail(Errc::Config, "metrics.textfile: path too long");
    size_t slash = textfile.rfind('/');
    if (slash != std::string_view::npos && slash > 0) {
        std::string folder(textfile.substr(0, slash));
        if (Status st = fs::makeDirs(folder, 0755); !st)
            return fail(st.error().withContext("metrics.textfile"));
        // The default folder in the spool is readable by node_exporter's user, whatever the
        // umask; a folder named in the config (the collector's own) is left as it is.
        if (folder == std::string(spool.dir()) + "/metrics") ::chmod(folder.c_str(), 0755);
    }
    text_.reset(new (std::nothrow) char[kTextBytes]);
    if (!text_) return fail(Errc::NoMemory, "no memory for the metrics");
    SNAPSTAGE_TRY(spool.keepCensus(kCensusJobs));
    spool_ = &spool;
    return okStatus();
}

void Metrics::failed(const Error& error) noexcept {
    FailureCause cause;
    if (enabled() && failureCause(error, cause)) ++pending_.failures[static_cast<size_t>(cause)];
}

void Metrics::succeeded(const Job& job) noexcept {
    if (!enabled()) return;
    int64_t now = spool_->clock().wallSeconds();
    pending_.job.observe(kJobBounds, static_cast<double>(now - job.createdS));
    if (now > pending_.lastSuccessS) pending_.lastSuccessS = now;
}

void Metrics::uploaded(uint64_t bytes) noexcept {
    if (enabled()) pending_.uploadBytes += bytes;
}

void Metrics::uploadTook(double seconds) noexcept {
    if (enabled()) pending_.upload.observe(kUploadBounds, seconds);
}

Status Metrics::readRecord(Counters& out) noexcept {
    auto got =
        fs::readInto(record_.c_str(), std::as_writable_bytes(std::span(text_.get(), kTextBytes)));
    if (!got) {
        out = Counters{};
        return got.error().code() == Errc::NotFound ? okStatus() : fail(got.error());
    }
    Status st = readCounters(std::string_view(text_.get(), *got), out);
    if (!st) {
        // A record no one can read would stop the export for good: start again from zero
        // (Prometheus takes that as a counter reset).
        LOG_WARN("%s: %s; the counters start again from zero", record_.c_str(),
                 st.error().message());
        out = Counters{};
    }
    return okStatus();
}

Status Metrics::readTotals(Counters& out) noexcept {
    if (!enabled()) return fail(Errc::NotSupported, "metrics are turned off (metrics.textfile)");
    return readRecord(out);
}

Status Metrics::flush(net::HandshakeCounts hs) noexcept {
    if (!enabled()) return okStatus();
    if (hs.full >= seenHandshakes_.full && hs.resumed >= seenHandshakes_.resumed) {
        pending_.tlsFull += hs.full - seenHandshakes_.full;
        pending_.tlsResumed += hs.resumed - seenHandshakes_.resumed;
    }
    seenHandshakes_ = hs;

    // Other processes add theirs under the same lock: read, add, write, one at a time.
    UniqueFd lock(::open(lock_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
    if (!lock.valid())
        return failf(Errc::StorageIo, errno, "cannot open %s: %s", lock_.c_str(),
                     std::strerror(errno));
    while (::flock(lock.get(), LOCK_EX) != 0)
        if (errno != EINTR)
            return failf(Errc::StorageIo, errno, "cannot lock %s: %s", lock_.c_str(),
                         std::strerror(errno));
    Counters total;
    SNAPSTAGE_TRY(readRecord(total));
    total.add(pending_);
    if (!pending_.empty()) {
        auto text = writeCounters(total, std::span(text_.get(), kTextBytes));
        if (!text) return fail(text.error());
        // Not fsync'd: a power cut may lose the last counts, which Prometheus takes as a
        // counter reset; the card is spared a flush at every state change.
        SNAPSTAGE_TRY(fs::replaceFile(record_.view(), fs::bytes(*text), 0640));
        pending_ = Counters{};
    }
    SpoolCensus census;
    SNAPSTAGE_TRY(spool_->census(census));
    auto text = formatPrometheus(total, census, std::span(text_.get(), kTextBytes));
    if (!text) return fail(text.error());
    SNAPSTAGE_TRY(fs::replaceFile(textfile_.view(), fs::bytes(*text), 0644));
    changed_ = false;
    lastWriteMs_ = spool_->clock().monotonicMs();
    return okStatus();
}

void Metrics::changed(net::HandshakeCounts handshakes) noexcept {
    if (!enabled()) return;
    changed_ = true;
    if (due()) flushOrWarn(handshakes);
}

bool Metrics::due() const noexcept {
    return changed_ && spool_->clock().monotonicMs() - lastWriteMs_ >= kSpacingMs;
}

void Metrics::flushPending(net::HandshakeCounts handshakes) noexcept {
    if (changed_ || !pending_.empty()) flushOrWarn(handshakes);
}

void Metrics::flushOrWarn(net::HandshakeCounts handshakes) noexcept {
    Status st = flush(handshakes);
    if (st || warned_) return;
    warned_ = true;
    LOG_WARN("metrics not written (%s): jobs go on; the next change tries again",
             st.error().message());
}

}  // namespace snapstage::jobs
