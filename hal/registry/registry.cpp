// SPDX-License-Identifier: MIT
// Shared pieces of the backend registries.
#include "hal/registry/registry.h"

#include <cstring>

namespace snapstage::hal {

void backendNames(const char* const* names, size_t count, char* out, size_t capacity) noexcept {
    out[0] = '\0';
    for (size_t i = 0; i < count; ++i) {
        size_t len = std::strlen(out);
        std::snprintf(out + len, capacity - len, "%s%s", len ? "," : "", names[i]);
    }
}

Status checkBackendOptions(const char* kind, const char* backend,
                           std::span<const char* const> accepted, const DeviceSpec& spec) noexcept {
    for (const auto& [key, value] : spec.options) {
        bool known = false;
        for (const char* a : accepted)
            known = known || key == a;
        if (known) continue;
        char list[256];
        backendNames(accepted.data(), accepted.size(), list, sizeof list);
        return failf(Errc::InvalidArgument, 0, "%s '%s' takes no option '%s' (it takes: %s)", kind,
                     backend, key.c_str(), list[0] ? list : "none");
    }
    return okStatus();
}

}  // namespace snapstage::hal
