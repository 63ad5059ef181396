// SPDX-License-Identifier: MIT
// Version report.
#include "firmware/app/version_info.h"

#include "firmware/app/config.h"
#include "firmware/image/preview.h"
#include "firmware/image/version.h"
#include "firmware/net/version.h"
#include "firmware/util/json.h"
#include "hal/camera.h"
#include "hal/display.h"
#include "hal/input.h"

#ifndef SNAPSTAGE_VERSION
#define SNAPSTAGE_VERSION "0.0.0"
#endif

namespace snapstage::app {

void printVersion(std::FILE* out) noexcept {
    std::fprintf(out, "snapstage %s\n", SNAPSTAGE_VERSION);
    std::fprintf(out, "camera backends: %s\n", hal::cameraBackends());
    std::fprintf(out, "display backends: %s\n", hal::displayBackends());
    std::fprintf(out, "input backends: %s\n", hal::inputBackends());
    std::fprintf(out, "boards: %s\n", builtinBoards().c_str());
    std::fprintf(out, "Mbed TLS %s, libjpeg-turbo %s, cJSON %s\n", net::mbedtlsVersion(),
                 image::turbojpegVersion(), json::libraryVersion());
    if (const char* camera = hal::cameraLibraries(); camera[0]) std::fprintf(out, "%s\n", camera);
    if (const char* display = hal::displayLibraries(); display[0])
        std::fprintf(out, "%s\n", display);
    std::fprintf(
        out, "live preview: %s\n",
        image::haveLibyuv() ? image::libyuvVersion() : "the project's own rows (no libyuv)");
}

}  // namespace snapstage::app
