// SPDX-License-Identifier: MIT
// Error code to exit code mapping.
#include "firmware/app/exit_codes.h"

namespace snapstage::app {

Exit exitFor(Errc code) noexcept {
    auto group = static_cast<uint16_t>(code) >> 8;
    switch (code) {
        case Errc::Ok:
            return Exit::Done;
        case Errc::Interrupted:
            return Exit::Interrupted;
        case Errc::Usage:
        case Errc::Config:
        case Errc::InvalidArgument:
            return Exit::Usage;
        case Errc::ApiJobFailed:
            return Exit::JobFailed;
        case Errc::ApiRejected:
            return Exit::Rejected;
        case Errc::ApiRateLimited:
        case Errc::ApiServer:
        case Errc::ApiResponse:
        case Errc::Timeout:
            return Exit::Network;
        default:
            break;
    }
    switch (group) {
        case 0x02:  // camera
        case 0x03:  // display
        case 0x04:  // storage
        case 0x09:  // JPEG: a bad frame or image on the device
            return Exit::Device;
        case 0x05:  // network
        case 0x06:  // TLS
        case 0x07:  // HTTP
            return Exit::Network;
        default:
            return Exit::Device;
    }
}

}  // namespace snapstage::app
