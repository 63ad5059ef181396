// SPDX-License-Identifier: MIT
// SIGINT/SIGTERM for a command: a flag for waits, and every socket wait interrupted.
#include "firmware/app/interrupt.h"

#include "firmware/net/socket.h"

namespace snapstage::app {
namespace {

std::atomic<bool> gInterrupted{false};

void onSignal(int) {
    gInterrupted.store(true);
    net::requestInterrupt();
}

}  // namespace

InterruptGuard::InterruptGuard() noexcept {
    gInterrupted.store(false);
    net::clearInterrupt();
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a blocked poll() returns EINTR
    sigaction(SIGINT, &sa, &oldInt_);
    sigaction(SIGTERM, &sa, &oldTerm_);
}

InterruptGuard::~InterruptGuard() {
    sigaction(SIGINT, &oldInt_, nullptr);
    sigaction(SIGTERM, &oldTerm_, nullptr);
}

const std::atomic<bool>* InterruptGuard::flag() noexcept {
    return &gInterrupted;
}

}  // namespace snapstage::app
