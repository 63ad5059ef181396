// SPDX-License-Identifier: MIT
// The null, stdin and script inputs.
#include "hal/sim/input_sim.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "firmware/util/clock.h"

namespace snapstage::hal {
namespace {

bool parseInt(std::string_view s, int64_t& out) {
    if (s.empty() || s.size() > 12) return false;
    int64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

bool kindOf(std::string_view word, InputKind& k) {
    if (word.empty() || word == "press") {
        k = InputKind::Press;
    } else if (word == "long") {
        k = InputKind::LongPress;
    } else if (word == "tap") {
        k = InputKind::Tap;
    } else if (word == "quit") {
        k = InputKind::Quit;
    } else {
        return false;
    }
    return true;
}

}  // namespace

const char* to_string(InputKind k) noexcept {
    constexpr const char* kNames[] = {"press", "long", "tap", "quit"};
    return kNames[static_cast<int>(k)];
}

bool parseInputLine(std::string_view line, InputEvent& out) noexcept {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r'))
        line.remove_suffix(1);
    size_t sp = line.find(' ');
    std::string_view word = line.substr(0, sp);
    out = InputEvent{};
    if (!kindOf(word, out.kind)) return false;
    if (out.kind != InputKind::Tap) return sp == std::string_view::npos;
    if (sp == std::string_view::npos) return false;
    std::string_view rest = line.substr(sp + 1);
    size_t sp2 = rest.find(' ');
    int64_t x = 0, y = 0;
    if (sp2 == std::string_view::npos || !parseInt(rest.substr(0, sp2), x) ||
        !parseInt(rest.substr(sp2 + 1), y) || x > 10000 || y > 10000)
        return false;
    out.x = static_cast<int32_t>(x);
    out.y = static_cast<int32_t>(y);
    return true;
}

InputInfo NullInput::info() const {
    InputInfo i;
    i.backend = "null";
    std::snprintf(i.name, sizeof i.name, "null");
    return i;
}

Status StdinInput::init() {
    int flags = ::fcntl(fd_, F_GETFL);
    if (flags < 0) return fail(Errc::InvalidArgument, "stdin is closed");
    ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
    return okStatus();
}

InputInfo StdinInput::info() const {
    InputInfo i;
    i.backend = "stdin";
    std::snprintf(i.name, sizeof i.name, "standard input");
    return i;
}

Result<size_t> StdinInput::read(std::span<InputEvent> out, int64_t) {
    size_t n = 0;
    while (!eof_ && n < out.size()) {
        ssize_t got = ::read(fd_, line_ + used_, sizeof line_ - 1 - used_);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) break;  // EAGAIN: nothing more now
        if (got == 0) {
            eof_ = true;  // no more input: the kiosk keeps running (a service has no stdin)
            break;
        }
        used_ += static_cast<size_t>(got);
        for (;;) {
            char* nl = static_cast<char*>(std::memchr(line_, '\n', used_));
            if (!nl) {
                if (used_ == sizeof line_ - 1) used_ = 0;  // an endless line: dropped
                break;
            }
            size_t len = static_cast<size_t>(nl - line_);
            InputEvent e;
            if (n < out.size() && parseInputLine(std::string_view(line_, len), e)) out[n++] = e;
            std::memmove(line_, nl + 1, used_ - len - 1);
            used_ -= len + 1;
        }
    }
    return n;
}

Status ScriptInput::init() {
    std::string_view s = spec_.argument;
    count_ = 0;
    while (!s.empty()) {
        size_t comma = s.find('+');
        std::string_view step = s.substr(0, comma);
        s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
        size_t at = step.find('@');
        Step st{};
        std::string_view when = at == std::string_view::npos ? "" : step.substr(at + 1);
        std::string_view xy;
        if (size_t colon = when.find(':'); colon != std::string_view::npos) {
            xy = when.substr(colon + 1);
            when = when.substr(0, colon);
        }
        int64_t x = -1, y = -1;
        bool ok = at != std::string_view::npos && kindOf(step.substr(0, at), st.event.kind) &&
                  parseInt(when, st.atMs) && count_ < kMaxSteps;
        if (ok && st.event.kind == InputKind::Tap) {
            size_t c = xy.find(':');
            ok = c != std::string_view::npos && parseInt(xy.substr(0, c), x) &&
                 parseInt(xy.substr(c + 1), y) && x <= 10000 && y <= 10000;
            st.event.x = static_cast<int32_t>(x);
            st.event.y = static_cast<int32_t>(y);
        }
        if (!ok)
            return failf(Errc::InvalidArgument, 0,
                         "script input: \"%.*s\" is not KIND@MS (press, long, tap@MS:X:Y, quit; "
                         "at most %zu steps)",
                         static_cast<int>(step.size()), step.data(), kMaxSteps);
        steps_[count_++] = st;
    }
    return okStatus();
}

InputInfo ScriptInput::info() const {
    InputInfo i;
    i.backend = "script";
    std::snprintf(i.name, sizeof i.name, "%zu scripted events", count_);
    return i;
}

Result<size_t> ScriptInput::read(std::span<InputEvent> out, int64_t nowMs) {
    if (startMs_ < 0) startMs_ = nowMs;
    size_t n = 0;
    while (next_ < count_ && n < out.size() && nowMs - startMs_ >= steps_[next_].atMs)
        out[n++] = steps_[next_++].event;
    return n;
}

int64_t ScriptInput::nextWakeMs() const {
    if (next_ >= count_ || startMs_ < 0) return startMs_ < 0 && count_ ? 0 : -1;
    return startMs_ + steps_[next_].atMs;
}

}  // namespace snapstage::hal
