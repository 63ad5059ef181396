// SPDX-License-Identifier: MIT
// The fleet metrics' texts: failure causes, the counters record and the Prometheus exposition.
#include <charconv>
#include <cstdarg>
#include <cstdio>

#include "firmware/jobs/metrics.h"

namespace snapstage::jobs {
namespace {

constexpr const char* kCauses[kFailureCauses] = {"network",  "tls",    "clock",   "auth",
                                                 "rejected", "server", "service", "storage",
                                                 "device",   "other"};

static_assert(std::size(kUploadBounds) <= Histogram::kMaxBounds);
static_assert(std::size(kJobBounds) <= Histogram::kMaxBounds);

// printf into a span, remembering overflow.
class Text {
public:
    explicit Text(std::span<char> out) noexcept : out_(out) {}
    [[gnu::format(printf, 2, 3)]] void put(const char* fmt, ...) noexcept {
        if (overflow_) return;
        va_list args;
        va_start(args, fmt);
        int n = std::vsnprintf(out_.data() + len_, out_.size() - len_, fmt, args);
        va_end(args);
        if (n < 0 || static_cast<size_t>(n) >= out_.size() - len_)
            overflow_ = true;
        else
            len_ += static_cast<size_t>(n);
    }
    Result<std::string_view> result() const noexcept {
        if (overflow_) return fail(Errc::Overflow, "the metrics text does not fit its buffer");
        return std::string_view(out_.data(), len_);
    }

private:
    std::span<char> out_;
    size_t len_ = 0;
    bool overflow_ = false;
};

unsigned long long ull(uint64_t v) {
    return static_cast<unsigned long long>(v);
}

void family(Text& t, const char* name, const char* type, const char* help) {
    t.put("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void histogram(Text& t, const char* name, const char* help, const Histogram& h,
               const std::span<const double>& bounds) {
    family(t, name, "histogram", help);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds.size(); ++i) {
        cumulative += h.counts[i];
        t.put("%s_bucket{le=\"%g\"} %llu\n", name, bounds[i], ull(cumulative));
    }
    t.put("%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name, ull(h.count), name,
          h.sum, name, ull(h.count));
}

// The record's lines of one histogram: "<prefix>_le <bound> N", "<prefix>_inf N", sum, count.
void recordHistogram(Text& t, const char* prefix, const Histogram& h,
                     const std::span<const double>& bounds) {
    for (size_t i = 0; i < bounds.size(); ++i)
        t.put("%s_le %.17g %llu\n", prefix, bounds[i], ull(h.counts[i]));
    t.put("%s_inf %llu\n%s_sum %.17g\n%s_count %llu\n", prefix, ull(h.counts[bounds.size()]),
          prefix, h.sum, prefix, ull(h.count));
}

template <typename T>
bool number(std::string_view s, T& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

// Splits "a b c" at its first space: `first` and the rest.
std::string_view cut(std::string_view& rest) {
    size_t sp = rest.find(' ');
    std::string_view first = rest.substr(0, sp);
    rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    return first;
}

// One record line for a histogram named `prefix`; false when the line is not about it.
bool readHistogramLine(std::string_view name, std::string_view rest, std::string_view prefix,
                       const std::span<const double>& bounds, Histogram& h, bool& ok) {
    if (name.substr(0, prefix.size()) != prefix || name.size() <= prefix.size() ||
        name[prefix.size()] != '_')
        return false;
    std::string_view what = name.substr(prefix.size() + 1);
    if (what == "le") {
        double bound = 0;
        uint64_t n = 0;
        ok = number(cut(rest), bound) && number(rest, n);
        for (size_t i = 0; ok && i < bounds.size(); ++i)
            if (bounds[i] == bound) h.counts[i] = n;
    } else if (what == "inf") {
        ok = number(rest, h.counts[bounds.size()]);
    } else if (what == "sum") {
        ok = number(rest, h.sum);
    } else if (what == "count") {
        ok = number(rest, h.count);
    }
    return true;
}

bool readLine(std::string_view line, Counters& c) {
    std::string_view rest = line;
    std::string_view name = cut(rest);
    bool ok = true;
    if (name == "failures") {
        std::string_view cause = cut(rest);
        for (size_t i = 0; i < kFailureCauses; ++i)
            if (cause == kCauses[i]) ok = number(rest, c.failures[i]);
    } else if (name == "upload_bytes") {
        ok = number(rest, c.uploadBytes);
    } else if (name == "last_success") {
        ok = number(rest, c.lastSuccessS);
    } else if (name == "tls_full") {
        ok = number(rest, c.tlsFull);
    } else if (name == "tls_resumed") {
        ok = number(rest, c.tlsResumed);
    } else if (!readHistogramLine(name, rest, "upload", kUploadBounds, c.upload, ok)) {
        (void)readHistogramLine(name, rest, "job", kJobBounds, c.job, ok);
    }
    return ok;
}

}  // namespace

const char* to_string(FailureCause cause) noexcept {
    return kCauses[static_cast<size_t>(cause)];
}

bool failureCause(const Error& error, FailureCause& out) noexcept {
    const Errc code = error.code();
    switch (code) {
        case Errc::Ok:
        case Errc::Interrupted:
            return false;
        case Errc::Timeout:
            out = FailureCause::Network;
            return true;
        case Errc::TlsNotYetValid:
            out = FailureCause::Clock;
            return true;
        case Errc::ApiRejected:
            out = error.detail() == 401 || error.detail() == 403 ? FailureCause::Auth
                                                                 : FailureCause::Rejected;
            return true;
        case Errc::ApiRateLimited:
        case Errc::ApiServer:
        case Errc::ApiResponse:
            out = FailureCause::Server;
            return true;
        case Errc::ApiJobFailed:
            out = FailureCause::Service;
            return true;
        default:
            break;
    }
    switch (static_cast<uint16_t>(code) >> 8) {
        case 0x05:  // network
        case 0x07:  // HTTP
            out = FailureCause::Network;
            break;
        case 0x06:
            out = FailureCause::Tls;
            break;
        case 0x04:
            out = FailureCause::Storage;
            break;
        case 0x02:  // camera
        case 0x03:  // display
        case 0x09:  // JPEG
        case 0x0A:  // input
            out = FailureCause::Device;
            break;
        default:
            out = FailureCause::Other;
            break;
    }
    return true;
}

void Histogram::observe(const std::span<const double>& bounds, double value) noexcept {
    if (value < 0) value = 0;  // a wall clock set back while the job ran
    size_t i = 0;
    while (i < bounds.size() && value > bounds[i])
        ++i;
    ++counts[i];
    sum += value;
    ++count;
}

void Counters::add(const Counters& o) noexcept {
    for (size_t i = 0; i < kFailureCauses; ++i)
        failures[i] += o.failures[i];
    uploadBytes += o.uploadBytes;
    for (Histogram* h : {&upload, &job}) {
        const Histogram& from = h == &upload ? o.upload : o.job;
        for (size_t i = 0; i <= Histogram::kMaxBounds; ++i)
            h->counts[i] += from.counts[i];
        h->sum += from.sum;
        h->count += from.count;
    }
    if (o.lastSuccessS > lastSuccessS) lastSuccessS = o.lastSuccessS;
    tlsFull += o.tlsFull;
    tlsResumed += o.tlsResumed;
}

bool Counters::empty() const noexcept {
    for (uint64_t f : failures)
        if (f) return false;
    return uploadBytes == 0 && upload.count == 0 && job.count == 0 && lastSuccessS == 0 &&
           tlsFull == 0 && tlsResumed == 0;
}

Result<std::string_view> writeCounters(const Counters& c, std::span<char> out) noexcept {
    Text t(out);
    t.put("# snapstage metrics counters 1\n");
    for (size_t i = 0; i < kFailureCauses; ++i)
        t.put("failures %s %llu\n", kCauses[i], ull(c.failures[i]));
    t.put("upload_bytes %llu\n", ull(c.uploadBytes));
    recordHistogram(t, "upload", c.upload, kUploadBounds);
    recordHistogram(t, "job", c.job, kJobBounds);
    t.put("last_success %lld\ntls_full %llu\ntls_resumed %llu\n",
          static_cast<long long>(c.lastSuccessS), ull(c.tlsFull), ull(c.tlsResumed));
    return t.result();
}

Status readCounters(std::string_view text, Counters& out) noexcept {
    out = Counters{};
    int lineNo = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++lineNo;
        if (line.empty() || line[0] == '#') continue;
        if (!readLine(line, out))
            return failf(Errc::StorageFormat, 0, "line %d is not a counter: \"%.*s\"", lineNo,
                         static_cast<int>(line.size() > 60 ? 60 : line.size()), line.data());
    }
    return okStatus();
}

Result<std::string_view> formatPrometheus(const Counters& c, const SpoolCensus& census,
                                          std::span<char> out) noexcept {
    Text t(out);
    family(t, "snapstage_jobs", "gauge", "Jobs in the spool by state.");
    for (size_t i = 0; i < kJobStates; ++i)
        t.put("snapstage_jobs{state=\"%s\"} %llu\n", to_string(static_cast<JobState>(i)),
              ull(census.jobs[i]));
    family(t, "snapstage_job_failures_total", "counter",
           "Runs of a job that ended without its result, by cause.");
    for (size_t i = 0; i < kFailureCauses; ++i)
        t.put("snapstage_job_failures_total{cause=\"%s\"} %llu\n", kCauses[i], ull(c.failures[i]));
    family(t, "snapstage_upload_bytes_total", "counter",
           "Bytes of photo uploads handed to the network, every attempt counted.");
    t.put("snapstage_upload_bytes_total %llu\n", ull(c.uploadBytes));
    histogram(t, "snapstage_upload_duration_seconds",
              "Time from the first byte of a photo upload to the service's answer.", c.upload,
              kUploadBounds);
    histogram(t, "snapstage_job_duration_seconds",
              "Time from a job's creation to its last result saved, for jobs done.", c.job,
              kJobBounds);
    family(t, "snapstage_last_success_timestamp_seconds", "gauge",
           "When a job last finished done (Unix time); 0 before the first.");
    t.put("snapstage_last_success_timestamp_seconds %lld\n",
          static_cast<long long>(c.lastSuccessS));
    family(t, "snapstage_spool_bytes", "gauge", "The spool folder's size on disk.");
    t.put("snapstage_spool_bytes %llu\n", ull(census.bytes));
    family(t, "snapstage_tls_handshakes_total", "counter",
           "TLS handshakes completed: full (certificates verified) or resumed.");
    t.put("snapstage_tls_handshakes_total{kind=\"full\"} %llu\n", ull(c.tlsFull));
    t.put("snapstage_tls_handshakes_total{kind=\"resumed\"} %llu\n", ull(c.tlsResumed));
    return t.result();
}

}  // namespace snapstage::jobs
