// SPDX-License-Identifier: MIT
// hal::Clock: monotonic and wall time, behind an interface so core code can run on a manual clock.
#pragma once

#include <cstdint>

namespace snapstage::hal {

class Clock {
public:
    virtual ~Clock() = default;
    Clock(const Clock&) = delete;
    Clock& operator=(const Clock&) = delete;

    // Milliseconds on a clock that never jumps (CLOCK_MONOTONIC). Any thread.
    virtual int64_t monotonicMs() const noexcept = 0;
    // Seconds since the Unix epoch, UTC (CLOCK_REALTIME; may be unset on a device without RTC).
    virtual int64_t wallSeconds() const noexcept = 0;
    // Sleeps (or, on a manual clock, advances) by `ms`.
    virtual void sleepMs(int64_t ms) noexcept = 0;

protected:
    Clock() = default;
};

// The system's clocks.
class SystemClock final : public Clock {
public:
    SystemClock() = default;
    int64_t monotonicMs() const noexcept override;
    int64_t wallSeconds() const noexcept override;
    void sleepMs(int64_t ms) noexcept override;
};

}  // namespace snapstage::hal
