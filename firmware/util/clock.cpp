// SPDX-License-Identifier: MIT
// The system clock and the manual clock.
#include "firmware/util/clock.h"

#include <cerrno>
#include <ctime>

namespace snapstage {

int64_t SystemClock::monotonicMs() const noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int64_t SystemClock::wallSeconds() const noexcept {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec);
}

bool SystemClock::sleepMs(int64_t ms, const std::atomic<bool>* cancel) noexcept {
    int64_t end = monotonicMs() + ms;
    for (;;) {
        if (cancel && cancel->load()) return false;
        int64_t left = end - monotonicMs();
        if (left <= 0) return true;
        int64_t slice = cancel && left > 50 ? 50 : left;
        timespec ts{static_cast<time_t>(slice / 1000), static_cast<long>((slice % 1000) * 1000000)};
        // EINTR (a signal) ends this slice early; the loop re-checks `cancel` and the time left.
        nanosleep(&ts, nullptr);
    }
}

Clock& systemClock() noexcept {
    static SystemClock clock;
    return clock;
}

bool ManualClock::sleepMs(int64_t ms, const std::atomic<bool>* cancel) noexcept {
    if (cancel && cancel->load()) return false;
    if (ms < 0) ms = 0;
    sleptMs_ += ms;
    ++sleeps_;
    advanceMs(ms);
    return true;
}

}  // namespace snapstage
