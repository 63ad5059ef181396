// SPDX-License-Identifier: MIT
// The input backends of this build: one table read by the factory, the config check and
// `--version`.
#include "hal/input.h"
#include "hal/linux/input_linux.h"
#include "hal/registry/registry.h"
#include "hal/sim/input_sim.h"

namespace snapstage::hal {
namespace {

constexpr BackendOption kGpioOptions[] = {{"chip", OptionKind::Text},
                                          {"line", OptionKind::Number, 0, 1023},
                                          {"active_low", OptionKind::Flag},
                                          {"debounce_ms", OptionKind::Number, 0, 1000},
                                          {"long_press_ms", OptionKind::Number, 100, 60000}};
constexpr BackendOption kEvdevOptions[] = {{"long_press_ms", OptionKind::Number}};

template <typename T>
Input* make(const DeviceSpec& spec) {
    return new (std::nothrow) T(spec);
}

constexpr Backend<Input> kInputs[] = {
    {{"null", {}}, make<NullInput>},
    {{"stdin", {}}, make<StdinInput>},
    {{"script", {}}, make<ScriptInput>},
    {{"gpio", kGpioOptions}, make<GpioInput>},
    {{"evdev", kEvdevOptions}, make<EvdevInput>},
};

constexpr auto kInputInfo = infosOf(kInputs);

}  // namespace

Result<std::unique_ptr<Input>> makeInput(const DeviceSpec& spec) noexcept {
    return makeBackend<Input>("input", kInputs, spec);
}

std::span<const BackendInfo> inputBackendTable() noexcept {
    return kInputInfo;
}

const char* inputBackends() noexcept {
    static char names[128];
    return namesOf(kInputInfo, names, sizeof names);
}

}  // namespace snapstage::hal
