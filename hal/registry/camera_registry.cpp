// SPDX-License-Identifier: MIT
// The camera backends of this build: one table read by the factory, the config check and
// `--version`.
#include "hal/camera.h"
#include "hal/linux/camera_v4l2.h"
#include "hal/registry/registry.h"
#include "hal/sim/camera_file.h"
#include "hal/sim/camera_null.h"
#include "hal/sim/camera_pattern.h"
#ifdef SNAPSTAGE_HAVE_LIBCAMERA
#include "hal/registry/camera_plugin_loader.h"
#endif

namespace snapstage::hal {
namespace {

// Frame sides: the largest the encoder takes (the pattern camera stops at 8192 and says so).
constexpr uint32_t kMaxSide = 16384;

constexpr BackendOption kSize[] = {{"width", OptionKind::Number, 1, kMaxSide},
                                   {"height", OptionKind::Number, 1, kMaxSide}};
constexpr BackendOption kPattern[] = {{"width", OptionKind::Number, 1, kMaxSide},
                                      {"height", OptionKind::Number, 1, kMaxSide},
                                      {"format", OptionKind::Text}};
constexpr BackendOption kV4l2[] = {{"width", OptionKind::Number, 1, kMaxSide},
                                   {"height", OptionKind::Number, 1, kMaxSide},
                                   {"format", OptionKind::Text},
                                   {"buffers", OptionKind::Number, 2, 16},
                                   {"fps", OptionKind::Number, 1, 1000}};
#ifdef SNAPSTAGE_HAVE_LIBCAMERA
constexpr BackendOption kLibcamera[] = {{"camera", OptionKind::Text},
                                        {"width", OptionKind::Number, 1, kMaxSide},
                                        {"height", OptionKind::Number, 1, kMaxSide},
                                        {"format", OptionKind::Text},
                                        {"buffers", OptionKind::Number, 1, 16}};
#endif

template <typename T>
Camera* make(const DeviceSpec& spec) {
    return new (std::nothrow) T(spec);
}

#ifdef SNAPSTAGE_HAVE_LIBCAMERA
constexpr const char* kLibcameraModule = SNAPSTAGE_CAMERA_PLUGIN_FILE("libcamera");

// libcamera lives in a module, loaded on first use (hal/camera_plugin.h).
Camera* makeLibcamera(const DeviceSpec& spec) {
    auto plugin = loadCameraPlugin(kLibcameraModule);
    if (!plugin) return makeUnavailableCamera(plugin.error());
    return (*plugin)->make(spec);
}
#endif

constexpr Backend<Camera> kCameras[] = {
    {{"null", kSize}, make<NullCamera>},        {{"pattern", kPattern}, make<PatternCamera>},
    {{"file", {}}, make<FileCamera>},           {{"v4l2", kV4l2}, make<V4l2Camera>},
#ifdef SNAPSTAGE_HAVE_LIBCAMERA
    {{"libcamera", kLibcamera}, makeLibcamera},
#endif
};

constexpr auto kCameraInfo = infosOf(kCameras);

}  // namespace

Result<std::unique_ptr<Camera>> makeCamera(const DeviceSpec& spec) noexcept {
    return makeBackend<Camera>("camera", kCameras, spec);
}

std::span<const BackendInfo> cameraBackendTable() noexcept {
    return kCameraInfo;
}

const char* cameraLibraries() noexcept {
#ifdef SNAPSTAGE_HAVE_LIBCAMERA
    // Loads the module: --version reports what a camera would get.
    static char text[Error::kMessageCapacity + 32];
    if (!text[0]) {
        auto plugin = loadCameraPlugin(kLibcameraModule);
        if (plugin)
            std::snprintf(text, sizeof text, "libcamera %s", (*plugin)->libraryVersion());
        else
            std::snprintf(text, sizeof text, "libcamera (not usable: %s)",
                          plugin.error().message());
    }
    return text;
#else
    return "";
#endif
}

const char* cameraBackends() noexcept {
    static char names[128];
    return namesOf(kCameraInfo, names, sizeof names);
}

}  // namespace snapstage::hal
