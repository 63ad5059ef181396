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

void optionNames(const BackendInfo& b, char* out, size_t capacity) noexcept {
    out[0] = '\0';
    for (const BackendOption& o : b.options) {
        size_t len = std::strlen(out);
        std::snprintf(out + len, capacity - len, "%s%s", len ? "," : "", o.key);
    }
    if (!out[0]) std::snprintf(out, capacity, "none");
}

const BackendOption* findOption(const BackendInfo& b, std::string_view key) noexcept {
    for (const BackendOption& o : b.options)
        if (key == o.key) return &o;
    return nullptr;
}

Status checkBackendOptions(const char* kind, const BackendInfo& backend,
                           const DeviceSpec& spec) noexcept {
    for (const auto& [key, value] : spec.options) {
        if (findOption(backend, key)) continue;
        char list[256];
        optionNames(backend, list, sizeof list);
        return failf(Errc::InvalidArgument, 0, "%s '%s' takes no option '%s' (it takes: %s)", kind,
                     backend.name, key.c_str(), list);
    }
    return okStatus();
}

}  // namespace snapstage::hal
