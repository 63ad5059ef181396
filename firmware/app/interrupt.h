// SPDX-License-Identifier: MIT
// InterruptGuard: for a command's duration, SIGINT and SIGTERM stop the work in hand (exit 130)
// instead of killing the process, so that no partial file is left and a job stays resumable.
#pragma once

#include <signal.h>

#include <atomic>

namespace snapstage::app {

class InterruptGuard {
public:
    InterruptGuard() noexcept;
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    // Set by the signal; waits on a Clock take it as their cancel flag.
    static const std::atomic<bool>* flag() noexcept;

private:
    struct sigaction oldInt_ {};
    struct sigaction oldTerm_ {};
};

}  // namespace snapstage::app
