// SPDX-License-Identifier: MIT
// Clock: the one seam through which snapstage reads time (monotonic and wall) and waits, so that
// deadlines, back-off and certificate-time checks run on a manual clock in tests.
#pragma once

#include <atomic>
#include <cstdint>

namespace snapstage {

class Clock {
public:
    virtual ~Clock() = default;
    Clock(const Clock&) = delete;
    Clock& operator=(const Clock&) = delete;

    // Milliseconds on a clock that never jumps (CLOCK_MONOTONIC). Any thread.
    virtual int64_t monotonicMs() const noexcept = 0;
    // Seconds since the Unix epoch, UTC (CLOCK_REALTIME; may be unset on a device without RTC).
    virtual int64_t wallSeconds() const noexcept = 0;
    // Waits `ms` (a manual clock advances instead). Returns early, false, when `cancel` (if
    // given) becomes true; polled every 50 ms at most.
    virtual bool sleepMs(int64_t ms, const std::atomic<bool>* cancel = nullptr) noexcept = 0;

protected:
    Clock() = default;
};

// The system's clocks.
class SystemClock final : public Clock {
public:
    SystemClock() = default;
    int64_t monotonicMs() const noexcept override;
    int64_t wallSeconds() const noexcept override;
    bool sleepMs(int64_t ms, const std::atomic<bool>* cancel = nullptr) noexcept override;
};

// The process's system clock (a static instance; any thread).
Clock& systemClock() noexcept;

// A clock that moves only when told to (tests). sleepMs() advances it and records the wait.
class ManualClock final : public Clock {
public:
    explicit ManualClock(int64_t wallSeconds = 1767225600, int64_t monotonicMs = 1000) noexcept
        : monoMs_(monotonicMs), wallMs_(wallSeconds * 1000) {}
    int64_t monotonicMs() const noexcept override { return monoMs_.load(); }
    int64_t wallSeconds() const noexcept override { return wallMs_.load() / 1000; }
    bool sleepMs(int64_t ms, const std::atomic<bool>* cancel = nullptr) noexcept override;

    void advanceMs(int64_t ms) noexcept {
        monoMs_ += ms;
        wallMs_ += ms;
    }
    void setWallSeconds(int64_t s) noexcept { wallMs_ = s * 1000; }
    // Sum of every sleepMs() asked for, and how many there were.
    int64_t sleptMs() const noexcept { return sleptMs_.load(); }
    int sleeps() const noexcept { return sleeps_.load(); }

private:
    std::atomic<int64_t> monoMs_;
    std::atomic<int64_t> wallMs_;
    std::atomic<int64_t> sleptMs_{0};
    std::atomic<int> sleeps_{0};
};

}  // namespace snapstage
