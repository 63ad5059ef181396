// SPDX-License-Identifier: MIT
// The libcamera camera as a loadable module (hal/camera_plugin.h): libcamera and what it links
// are mapped only into processes that use this camera.
#include <new>

#include "hal/camera_plugin.h"
#include "hal/linux/camera_libcamera.h"

namespace {

snapstage::hal::Camera* makeLibcamera(const snapstage::hal::DeviceSpec& spec) noexcept {
    return new (std::nothrow) snapstage::hal::LibcameraCamera(spec);
}

constexpr snapstage::hal::CameraPlugin kPlugin{snapstage::hal::kCameraPluginAbi,
                                               snapstage::hal::libcameraVersion, makeLibcamera};

}  // namespace

extern "C" [[gnu::visibility("default")]] const snapstage::hal::CameraPlugin*
snapstage_camera_plugin_v1() noexcept {
    return &kPlugin;
}
