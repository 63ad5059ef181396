// SPDX-License-Identifier: MIT
// Kiosk: the loop of `snapstage run`. Button (or tap, or the control socket) -> countdown ->
// capture -> the job worker uploads, polls and downloads -> before and after on the screen. The
// UI and the inputs run on the calling (main) thread; jobs on one worker thread. Jobs in flight
// survive a restart and their results still appear; without a network, photos queue in the
// spool and go out when it is back, and the kiosk keeps taking them.
#pragma once

#include <cstdint>
#include <string>

#include "firmware/app/runtime.h"

namespace snapstage::app {

struct KioskOptions {
    int countdownS = 3;       // seconds counted down before the photo
    int resultS = 60;         // how long a result stays before the ready screen returns
    int errorS = 8;           // how long an error stays
    int64_t retryMs = 30000;  // how often unfinished jobs are tried again
    bool once = false;        // stop after the first result (or failure) has been shown
    std::string control;      // control socket path; empty: none
};

// Runs the kiosk until a quit (input, control socket, SIGINT/SIGTERM), or after one job with
// `once`. Returns the exit code.
int runKiosk(Runtime& rt, const KioskOptions& options) noexcept;

}  // namespace snapstage::app
