// SPDX-License-Identifier: MIT
// Leveled logging to stderr (or a caller-chosen sink), formatted on the stack: never allocates.
#pragma once

#include <cstdio>

namespace snapstage::log {

enum class Level : int { Debug = 0, Info = 1, Warn = 2, Error = 3, Off = 4 };

// Messages below `level` are dropped. Default Info. Thread-safe (atomic).
void setLevel(Level level) noexcept;
Level level() noexcept;

// The syslog priority prefix ("<3>" for errors ... "<7>" for debug) that journald reads at the
// start of a line, when stderr goes to the journal (JOURNAL_STREAM set, as systemd sets it for
// a service); "" otherwise. Read once.
const char* journalPrefix(Level level) noexcept;

// Where messages go; default stderr. The stream is borrowed and must outlive logging.
void setSink(std::FILE* sink) noexcept;

// One line "snapstage: <level>: <message>\n", written with a single fwrite so lines from the two
// threads never interleave. Lines longer than 1 KiB are truncated. Registered secrets are masked
// (firmware/util/redact.h) and control characters escaped, so nothing raw reaches a terminal.
[[gnu::format(printf, 2, 3)]] void write(Level level, const char* fmt, ...) noexcept;

#define SNAPSTAGE_LOG(lvl, ...)                                                   \
    do {                                                                          \
        if (static_cast<int>(lvl) >= static_cast<int>(::snapstage::log::level())) \
            ::snapstage::log::write(lvl, __VA_ARGS__);                            \
    } while (0)

}  // namespace snapstage::log

#define LOG_DEBUG(...) SNAPSTAGE_LOG(::snapstage::log::Level::Debug, __VA_ARGS__)
#define LOG_INFO(...) SNAPSTAGE_LOG(::snapstage::log::Level::Info, __VA_ARGS__)
#define LOG_WARN(...) SNAPSTAGE_LOG(::snapstage::log::Level::Warn, __VA_ARGS__)
#define LOG_ERROR(...) SNAPSTAGE_LOG(::snapstage::log::Level::Error, __VA_ARGS__)
