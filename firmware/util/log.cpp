// SPDX-License-Identifier: MIT
// Leveled logging to stderr.
#include "firmware/util/log.h"

#include <atomic>
#include <cstdarg>

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

void write(Level l, const char* fmt, ...) noexcept {
    char line[1024];
    int prefix = std::snprintf(line, sizeof line, "snapstage: %s: ", name(l));
    if (prefix < 0) return;
    va_list args;
    va_start(args, fmt);
    int n = std::vsnprintf(line + prefix, sizeof line - static_cast<size_t>(prefix), fmt, args);
    va_end(args);
    if (n < 0) return;
    size_t len = static_cast<size_t>(prefix) + static_cast<size_t>(n);
    if (len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    std::FILE* sink = gSink.load();
    std::fwrite(line, 1, len, sink ? sink : stderr);
}

}  // namespace snapstage::log
