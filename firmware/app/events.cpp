// SPDX-License-Identifier: MIT
// Events on stdout (--json), human text and progress on stderr.
#include "firmware/app/events.h"

#include <cstring>

#include <unistd.h>

#include <algorithm>
#include <cstdarg>

#include "firmware/app/exit_codes.h"
#include "firmware/util/json_writer.h"
#include "firmware/util/log.h"
#include "firmware/util/redact.h"
#include "firmware/util/text.h"
#include "firmware/util/time.h"

namespace snapstage::app {
namespace {

// Every text field of an event passes here: secrets out, then the writer's escaping.
void writeField(JsonWriter& w, const Field& f) {
    w.key(f.key);
    switch (f.kind) {
        case Field::Kind::Text: {
            char clean[2048];
            w.value(redact::scrub(f.text, clean));
            break;
        }
        case Field::Kind::Int:
            w.value(f.integer);
            break;
        case Field::Kind::Real:
            w.value(f.real);
            break;
        case Field::Kind::Flag:
            w.value(f.flag);
            break;
    }
}

const char* errorName(Errc code) {
    // Stable, machine-readable names for the "code" of error events.
    switch (exitFor(code)) {
        case Exit::Usage:
            return "usage";
        case Exit::JobFailed:
            return "job_failed";
        case Exit::Network:
            return "network";
        case Exit::Rejected:
            return "rejected";
        case Exit::Device:
            return "device";
        case Exit::Interrupted:
            return "interrupted";
        case Exit::Done:
            break;
    }
    return "ok";
}

}  // namespace

Events::Events(bool json, int verbosity, std::FILE* out, std::FILE* err) noexcept
    : json_(json),
      verbosity_(verbosity),
      out_(out),
      err_(err),
      errIsTty_(::isatty(::fileno(err)) == 1) {}

void Events::emit(std::string_view name, std::initializer_list<Field> fields) noexcept {
    if (!json_ && !tee_) return;
    char buf[4096];  // a 400-byte message of escaped bytes fits: no event is dropped
    JsonWriter w(std::span<char>(buf, sizeof buf - 1));
    w.beginObject().key("event").value(name);
    for (const Field& f : fields)
        writeField(w, f);
    w.endObject();
    if (w.overflowed()) return;  // events are small; an oversized one is a bug, not output
    std::string_view text = w.text();
    buf[text.size()] = '\n';
    if (tee_) tee_->onEventLine(std::string_view(buf, text.size() + 1));
    if (!json_) return;
    std::fwrite(buf, 1, text.size() + 1, out_);
    std::fflush(out_);
}

void Events::human(std::string_view text, bool keepLineBreaks, log::Level level) noexcept {
    // The one way human text reaches stderr: secrets out, then no control character left raw
    // (escape sequences in a key or a server's reply would act on the terminal); under systemd,
    // the journal's priority first.
    char clean[2048], shown[4096];
    const std::string_view redacted = redact::scrub(text, clean);
    const char* prefix = log::journalPrefix(level);
    const size_t p = std::strlen(prefix);
    std::memcpy(shown, prefix, p);
    const size_t n = p + text::printable(redacted, std::span<char>(shown + p, sizeof shown - 1 - p),
                                         keepLineBreaks);
    shown[n] = '\n';
    std::fwrite(shown, 1, n + 1, err_);
}

void Events::line(int minVerbosity, const char* fmt, va_list args) noexcept {
    if (verbosity_ < minVerbosity) return;
    endProgressLine();
    char text[2048];
    const int n = std::vsnprintf(text, sizeof text, fmt, args);
    if (n < 0) return;
    human(std::string_view(text, std::min(static_cast<size_t>(n), sizeof text - 1)), true,
          minVerbosity > 0 ? log::Level::Debug : log::Level::Info);
}

void Events::say(const char* fmt, ...) noexcept {
    va_list args;
    va_start(args, fmt);
    line(0, fmt, args);
    va_end(args);
}

void Events::show(const char* fmt, ...) noexcept {
    va_list args;
    va_start(args, fmt);
    line(-1, fmt, args);
    va_end(args);
}

void Events::detail(const char* fmt, ...) noexcept {
    va_list args;
    va_start(args, fmt);
    line(1, fmt, args);
    va_end(args);
}

void Events::progress(std::string_view name, std::string_view label, uint64_t done, uint64_t total,
                      std::initializer_list<Field> extra) noexcept {
    int64_t now = monotonicMs();
    if (done < lastProgressDone_ || progressStartMs_ == 0) {  // a new transfer
        progressStartMs_ = now;
        lastProgressDone_ = 0;
    }
    bool finished = total > 0 && done >= total;
    bool stepped = total > 0 && (done - lastProgressDone_) * 50 >= total;
    if (!finished && !stepped && now - lastProgressMs_ < 500 && done >= lastProgressDone_) return;
    lastProgressMs_ = now;
    lastProgressDone_ = done;
    if (json_ || tee_) {
        char buf[1024];
        JsonWriter w(std::span<char>(buf, sizeof buf - 1));
        w.beginObject().key("event").value(name);
        for (const Field& f : extra)
            writeField(w, f);
        w.key("sent").value(done).key("total").value(total).endObject();
        if (!w.overflowed()) {
            buf[w.text().size()] = '\n';
            if (tee_) tee_->onEventLine(std::string_view(buf, w.text().size() + 1));
            if (json_) {
                std::fwrite(buf, 1, w.text().size() + 1, out_);
                std::fflush(out_);
            }
        }
    }
    if (errIsTty_ && verbosity_ >= 0) {
        constexpr int kWidth = 30;
        int filled = total ? static_cast<int>(done * kWidth / total) : 0;
        char bar[kWidth + 1];
        for (int i = 0; i < kWidth; ++i)
            bar[i] = i < filled ? '#' : '.';
        bar[kWidth] = 0;
        // Rate and time left from the start of this transfer.
        double seconds = static_cast<double>(now - progressStartMs_) / 1000;
        double rate = seconds > 0.05 ? static_cast<double>(done) / seconds : 0;
        char tail[64] = "";
        if (rate > 0 && total > done)
            std::snprintf(tail, sizeof tail, " %.1f MB/s, %.0f s left", rate / 1e6,
                          static_cast<double>(total - done) / rate);
        else if (rate > 0)
            std::snprintf(tail, sizeof tail, " %.1f MB/s", rate / 1e6);
        std::fprintf(err_, "\r%.*s [%s] %llu/%llu KiB%s\x1b[K", static_cast<int>(label.size()),
                     label.data(), bar, static_cast<unsigned long long>(done / 1024),
                     static_cast<unsigned long long>(total / 1024), tail);
        std::fflush(err_);
        barShown_ = true;
        if (finished) {
            endProgressLine();
            progressStartMs_ = 0;
        }
    }
}

void Events::endProgressLine() noexcept {
    if (!barShown_) return;
    std::fputc('\n', err_);
    barShown_ = false;
}

int Events::failure(const Error& error) noexcept {
    endProgressLine();
    char text[Error::kMessageCapacity + 16];
    std::snprintf(text, sizeof text, "snapstage: %s", error.message());
    human(text, false, log::Level::Error);
    emit("error", {{"code", errorName(error.code())},
                   {"kind", to_string(error.code())},
                   {"message", error.message()}});
    return toInt(exitFor(error.code()));
}

int Events::usage(const Error& error, std::string_view command) noexcept {
    endProgressLine();
    char text[Error::kMessageCapacity + 16];
    std::snprintf(text, sizeof text, "snapstage: %s", error.message());
    human(text, false, log::Level::Error);
    if (!command.empty())
        std::fprintf(err_, "see 'snapstage %.*s --help'\n", static_cast<int>(command.size()),
                     command.data());
    emit("error", {{"code", "usage"}, {"message", error.message()}});
    return toInt(Exit::Usage);
}

}  // namespace snapstage::app
