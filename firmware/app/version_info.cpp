// SPDX-License-Identifier: MIT
// Version report.
#include "firmware/app/version_info.h"

#include "firmware/app/config.h"
#include "firmware/util/json.h"
#include "hal/camera.h"

#ifndef SNAPSTAGE_VERSION
#define SNAPSTAGE_VERSION "0.0.0"
#endif

namespace snapstage::app {

void printVersion(std::FILE* out) noexcept {
    std::fprintf(out, "snapstage %s\n", SNAPSTAGE_VERSION);
    std::fprintf(out, "camera backends: %s\n", hal::cameraBackends());
    std::fprintf(out, "boards: %s\n", builtinBoards().c_str());
    std::fprintf(out, "cJSON %s\n", json::libraryVersion());
}

}  // namespace snapstage::app
