// SPDX-License-Identifier: MIT
// The system clock.
#include "hal/clock.h"

#include <cerrno>
#include <ctime>

namespace snapstage::hal {

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

void SystemClock::sleepMs(int64_t ms) noexcept {
    if (ms <= 0) return;
    timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1000000)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

}  // namespace snapstage::hal
