// SPDX-License-Identifier: MIT
// Finds and loads camera modules (hal/camera_plugin.h).
#pragma once

#include "firmware/util/result.h"
#include "hal/camera_plugin.h"

namespace snapstage::hal {

// Loads the module `file` (e.g. "snapstage-camera-libcamera.so") once per process and keeps it
// loaded. Looks in $SNAPSTAGE_PLUGIN_DIR when set, else beside the running executable (a build
// tree), then in the installed module folder (SNAPSTAGE_PLUGIN_INSTALL_DIR). Errors: CameraOpen
// saying where it looked and why the module was not usable (missing, a library it needs
// missing, from another build).
Result<const CameraPlugin*> loadCameraPlugin(const char* file) noexcept;

// A camera standing in for one whose module did not load: init() and start() give the load
// error, so a missing module is reported where a missing device would be.
Camera* makeUnavailableCamera(const Error& why) noexcept;

}  // namespace snapstage::hal
