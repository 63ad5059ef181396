// SPDX-License-Identifier: MIT
// Camera backends built as loadable modules. A backend whose library weighs on every process
// (libcamera brings its tracing, TLS and media libraries, about 8 MiB of resident memory and 35
// shared objects) is built as a module that exports one entry point, and loaded only when a
// camera of that backend is made or `--version` asks for its library's version. The module
// calls the project's code in the executable that loads it (the executable exports the
// snapstage symbols), so both share one log and one error formatter.
#pragma once

#include "hal/camera.h"
#include "hal/spec.h"

namespace snapstage::hal {

// What a camera module exports, under kCameraPluginSymbol.
struct CameraPlugin {
    // kCameraPluginAbi of the build that made the module: a module from another build (another
    // version or compiler) is refused, never called.
    const char* abi;
    // The camera library's version ("0.0.3"), a static string.
    const char* (*libraryVersion)() noexcept;
    // A new camera, not yet initialised (new (std::nothrow); null when out of memory).
    Camera* (*make)(const DeviceSpec& spec) noexcept;
};

#ifndef SNAPSTAGE_VERSION
#error "SNAPSTAGE_VERSION must be defined for the camera module interface"
#endif
inline constexpr const char* kCameraPluginAbi =
    "snapstage-camera-1/" SNAPSTAGE_VERSION "/" __VERSION__;
inline constexpr const char* kCameraPluginSymbol = "snapstage_camera_plugin_v1";

// The module's file name for a backend ("libcamera" -> "snapstage-camera-libcamera.so").
#define SNAPSTAGE_CAMERA_PLUGIN_FILE(backend) "snapstage-camera-" backend ".so"

}  // namespace snapstage::hal

// Defined by each module: extern "C" so that dlsym finds it by this plain name.
extern "C" const snapstage::hal::CameraPlugin* snapstage_camera_plugin_v1() noexcept;
