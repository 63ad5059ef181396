// SPDX-License-Identifier: MIT
// The display backends of this build: one table read by the factory, the config check and
// `--version`.
#include "hal/display.h"
#include "hal/linux/display_fbdev.h"
#include "hal/registry/registry.h"
#include "hal/sim/display_memory.h"
#ifdef SNAPSTAGE_HAVE_LIBDRM
#include "hal/linux/display_drm.h"
#endif

namespace snapstage::hal {
namespace {

constexpr BackendOption kSizeOptions[] = {{"width", OptionKind::Number},
                                          {"height", OptionKind::Number}};

#ifdef SNAPSTAGE_HAVE_LIBDRM
constexpr BackendOption kDrm[] = {{"connector", OptionKind::Text},
                                  {"width", OptionKind::Number, 1, 16384},
                                  {"height", OptionKind::Number, 1, 16384},
                                  {"refresh", OptionKind::Number, 1, 1000},
                                  {"format", OptionKind::Text}};
#endif

template <typename T>
Display* make(const DeviceSpec& spec) {
    return new (std::nothrow) T(spec);
}

constexpr Backend<Display> kDisplays[] = {
    {{"null", kSizeOptions}, make<NullDisplay>},
    {{"file", kSizeOptions}, make<FileDisplay>},
    {{"fbdev", {}}, make<FbdevDisplay>},
#ifdef SNAPSTAGE_HAVE_LIBDRM
    {{"drm", kDrm}, make<DrmDisplay>},
#endif
};

constexpr auto kDisplayInfo = infosOf(kDisplays);

}  // namespace

Result<std::unique_ptr<Display>> makeDisplay(const DeviceSpec& spec) noexcept {
#ifndef SNAPSTAGE_HAVE_LIBDRM
    if (spec.backend == "drm")
        return fail(Errc::NotSupported,
                    "display backend 'drm' was left out of this build (libdrm was not found "
                    "when it was built): install libdrm-dev and rebuild, or use "
                    "fbdev:/dev/fb0");
#endif
    return makeBackend<Display>("display", kDisplays, spec);
}

std::span<const BackendInfo> displayBackendTable() noexcept {
    return kDisplayInfo;
}

const char* displayLibraries() noexcept {
#ifdef SNAPSTAGE_HAVE_LIBDRM
    static char text[32];
    if (!text[0]) std::snprintf(text, sizeof text, "libdrm %s", libdrmVersion());
    return text;
#else
    return "";
#endif
}

const char* displayBackends() noexcept {
    static char names[128];
    return namesOf(kDisplayInfo, names, sizeof names);
}

}  // namespace snapstage::hal
