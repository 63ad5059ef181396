// SPDX-License-Identifier: MIT
// Events: what a command tells its user. With --json, one JSON object per line on stdout per
// event; human text always goes to stderr (quieter with -q, chattier with -v); a progress bar on
// stderr when it is a terminal.
#pragma once

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string_view>

#include "firmware/util/log.h"
#include "firmware/util/result.h"

namespace snapstage::app {

// One key/value of an event.
struct Field {
    enum class Kind { Text, Int, Real, Flag };
    Field(std::string_view k, std::string_view v) noexcept : key(k), kind(Kind::Text), text(v) {}
    Field(std::string_view k, const char* v) noexcept : key(k), kind(Kind::Text), text(v) {}
    Field(std::string_view k, int64_t v) noexcept : key(k), kind(Kind::Int), integer(v) {}
    Field(std::string_view k, uint64_t v) noexcept
        : key(k), kind(Kind::Int), integer(static_cast<int64_t>(v)) {}
    Field(std::string_view k, int v) noexcept : key(k), kind(Kind::Int), integer(v) {}
    Field(std::string_view k, unsigned v) noexcept : key(k), kind(Kind::Int), integer(v) {}
    Field(std::string_view k, double v) noexcept : key(k), kind(Kind::Real), real(v) {}
    Field(std::string_view k, bool v) noexcept : key(k), kind(Kind::Flag), flag(v) {}

    std::string_view key;
    Kind kind;
    std::string_view text;
    int64_t integer = 0;
    double real = 0;
    bool flag = false;
};

// Receives every event as its JSON line (with the newline), whether or not --json is on: the
// kiosk's control socket answers with the same events.
class EventTee {
public:
    virtual ~EventTee() = default;
    virtual void onEventLine(std::string_view line) noexcept = 0;

protected:
    EventTee() = default;
    EventTee(const EventTee&) = default;
    EventTee& operator=(const EventTee&) = default;
};

class Events {
public:
    // `verbosity`: -1 quiet, 0 normal, 1 verbose. Streams are borrowed.
    Events(bool json, int verbosity, std::FILE* out = stdout, std::FILE* err = stderr) noexcept;

    bool json() const noexcept { return json_; }
    // Also sends every event to `tee` (borrowed; null to stop). Same thread as emit().
    void setTee(EventTee* tee) noexcept { tee_ = tee; }
    int verbosity() const noexcept { return verbosity_; }

    // {"event": name, fields...} as one line on stdout, flushed, when --json; nothing otherwise.
    void emit(std::string_view name, std::initializer_list<Field> fields = {}) noexcept;

    // Human text (say, detail, failure, usage) has every registered secret masked (see
    // firmware/util/redact.h) and every control character escaped, on a terminal or not; event
    // text fields are masked the same way, and the JSON writer keeps them valid JSON.

    // A human line on stderr (not with -q).
    [[gnu::format(printf, 2, 3)]] void say(const char* fmt, ...) noexcept;
    // A human line on stderr even with -q: output the user asked for (fetch -i's headers).
    [[gnu::format(printf, 2, 3)]] void show(const char* fmt, ...) noexcept;
    // A human line on stderr only with -v.
    [[gnu::format(printf, 2, 3)]] void detail(const char* fmt, ...) noexcept;

    // Progress of a long transfer: with --json an event {"event": name, "sent": done,
    // "total": total, extra...} at most every 2% or 500 ms, and always at the end; on a terminal
    // a bar on stderr redrawn in place. `total` 0 means unknown.
    void progress(std::string_view name, std::string_view label, uint64_t done, uint64_t total,
                  std::initializer_list<Field> extra = {}) noexcept;

    // Reports a failure: "snapstage: <message>" on stderr and {"event":"error","code":...,
    // "message":...} with --json. Returns the exit code for it.
    int failure(const Error& error) noexcept;
    // A usage error: the message, then "see 'snapstage COMMAND --help'". Returns 2.
    int usage(const Error& error, std::string_view command) noexcept;

private:
    void endProgressLine() noexcept;
    void line(int minVerbosity, const char* fmt, va_list args) noexcept;
    // Writes `text` and a newline on stderr, redacted and made printable.
    void human(std::string_view text, bool keepLineBreaks, log::Level level) noexcept;

    bool json_;
    EventTee* tee_ = nullptr;
    int verbosity_;
    std::FILE* out_;
    std::FILE* err_;
    bool errIsTty_;
    bool barShown_ = false;
    int64_t lastProgressMs_ = 0;
    uint64_t lastProgressDone_ = 0;
    int64_t progressStartMs_ = 0;
};

}  // namespace snapstage::app
