// SPDX-License-Identifier: MIT
// The process exit codes of DESIGN.md section 5, the contract scripts and HIL rigs rely on.
#pragma once

#include "firmware/util/result.h"

namespace snapstage::app {

enum class Exit : int {
    Done = 0,
    JobFailed = 1,  // the service reported the job failed
    Usage = 2,      // usage or config error
    Network = 3,    // network or TLS failure after retries
    Rejected = 4,   // the service rejected the request (4xx other than 429)
    Device = 5,     // camera, display, storage
    Interrupted = 130,
};

// The exit code a command ends with when it fails with `code`.
Exit exitFor(Errc code) noexcept;

constexpr int toInt(Exit e) noexcept {
    return static_cast<int>(e);
}

}  // namespace snapstage::app
