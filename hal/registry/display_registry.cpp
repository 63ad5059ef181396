// SPDX-License-Identifier: MIT
// The display backends of this build: one table read by the factory, the config check and
// `--version`.
#include "hal/display.h"
#include "hal/linux/display_fbdev.h"
#include "hal/registry/registry.h"
#include "hal/sim/display_memory.h"

namespace snapstage::hal {
namespace {

constexpr BackendOption kSizeOptions[] = {{"width", OptionKind::Number},
                                          {"height", OptionKind::Number}};

template <typename T>
Display* make(const DeviceSpec& spec) {
    return new (std::nothrow) T(spec);
}

constexpr Backend<Display> kDisplays[] = {
    {{"null", kSizeOptions}, make<NullDisplay>},
    {{"file", kSizeOptions}, make<FileDisplay>},
    {{"fbdev", {}}, make<FbdevDisplay>},
};

constexpr auto kDisplayInfo = infosOf(kDisplays);

}  // namespace

Result<std::unique_ptr<Display>> makeDisplay(const DeviceSpec& spec) noexcept {
    return makeBackend<Display>("display", kDisplays, spec);
}

std::span<const BackendInfo> displayBackendTable() noexcept {
    return kDisplayInfo;
}

const char* displayBackends() noexcept {
    static char names[128];
    return namesOf(kDisplayInfo, names, sizeof names);
}

}  // namespace snapstage::hal
