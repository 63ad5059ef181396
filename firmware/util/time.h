// SPDX-License-Identifier: MIT
// Monotonic time stamps for measurements and frame times (CLOCK_MONOTONIC; any thread).
#pragma once

#include <time.h>

#include <cstdint>

namespace snapstage {

inline int64_t monotonicUs() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

inline int64_t monotonicMs() noexcept {
    return monotonicUs() / 1000;
}

}  // namespace snapstage
