// SPDX-License-Identifier: MIT
// Leveled logging to stderr.
#include "firmware/util/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "firmware/util/redact.h"
#include "firmware/util/text.h"

namespace snapstage::log {
namespace {
std::atomic<int> gLevel{static_cast<int>(Level::Info)};
std::atomic<std::FILE*> gSink{nullptr};

const char* name(Level level) {
    switch (level) {
        case Level::Debug:
            return "debug";
        case Level::Info:
            return "info";
        case Level::Warn:
            return "warning";
        case Level::Error:
            return "error";
        case Level::Off:
            break;
    }
    return "";
}
}  // namespace

void setLevel(Level l) noexcept {
    gLevel.store(static_cast<int>(l));
}
Level level() noexcept {
    return static_cast<Level>(gLevel.load());
}
void setSink(std::FILE* sink) noexcept {
    gSink.store(sink);
}

const char* journalPrefix(Level level) noexcept {
    static const bool journal = [] {
        const char* stream = std::getenv("JOURNAL_STREAM");
        return stream && *stream;
    }();
    if (!journal) return "";
    switch (level) {
        case Level::Debug:
            return "<7>";
        case Level::Info:
            return "<6>";
        case Level::Warn:
            return "<4>";
        default:
            return "<3>";
    }
}

void write(Level l, const char* fmt, ...) noexcept {
    char line[1024];
    va_list args;
    va_start(args, fmt);
    int n = std::vsnprintf(line, sizeof line, fmt, args);
    va_end(args);
    if (n < 0) return;
    const size_t len =
        static_cast<size_t>(n) < sizeof line ? static_cast<size_t>(n) : sizeof line - 1;
    // Whatever the message holds (a server's words, a file name): secrets masked, then no control
    // character left raw, one line.
    char clean[1024];
    const std::string_view redacted = redact::scrub(std::string_view(line, len), clean);
    char out[2048];
    int prefix = std::snprintf(out, sizeof out, "%ssnapstage: %s: ", journalPrefix(l), name(l));
    if (prefix < 0) return;
    size_t total = static_cast<size_t>(prefix);
    total += text::printable(redacted, std::span<char>(out + total, sizeof out - 1 - total), false);
    out[total++] = '\n';
    std::FILE* sink = gSink.load();
    std::fwrite(out, 1, total, sink ? sink : stderr);
}

}  // namespace snapstage::log
