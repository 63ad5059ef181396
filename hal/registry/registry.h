// SPDX-License-Identifier: MIT
// Backend registries: one table per device kind of backend name, accepted options and
// constructor. The factory, the config check and `--version` read the same table, so that a
// name or an option is written once.
#pragma once

#include <cstdio>
#include <memory>
#include <new>
#include <span>
#include <string_view>

#include "firmware/util/result.h"
#include "hal/backend_info.h"
#include "hal/spec.h"

namespace snapstage::hal {

template <typename Device>
struct Backend {
    BackendInfo info;
    Device* (*make)(const DeviceSpec& spec);  // new (std::nothrow); null when out of memory
};

// Checks that every option of `spec` is one the backend takes. Errors: InvalidArgument naming
// the option and listing the accepted ones.
Status checkBackendOptions(const char* kind, const BackendInfo& backend,
                           const DeviceSpec& spec) noexcept;
// "a,b,c" of the names in a table, into `out`.
void backendNames(const char* const* names, size_t count, char* out, size_t capacity) noexcept;

// Builds the backend of `table` named by spec.backend, after checking its options.
// Errors: NotSupported (unknown name; lists the known ones), InvalidArgument, NoMemory.
template <typename Device>
Result<std::unique_ptr<Device>> makeBackend(const char* kind,
                                            std::span<const Backend<Device>> table,
                                            const DeviceSpec& spec) noexcept {
    for (const Backend<Device>& b : table) {
        if (spec.backend != b.info.name) continue;
        SNAPSTAGE_TRY(checkBackendOptions(kind, b.info, spec));
        std::unique_ptr<Device> device(b.make(spec));
        if (!device) return failf(Errc::NoMemory, 0, "cannot allocate the %s", kind);
        return device;
    }
    const char* names[16];
    size_t n = 0;
    for (const Backend<Device>& b : table)
        if (n < 16) names[n++] = b.info.name;
    char list[256];
    backendNames(names, n, list, sizeof list);
    return failf(Errc::NotSupported, 0,
                 "%s backend '%s' is not known to this build (available: %s)", kind,
                 spec.backend.c_str(), list);
}

}  // namespace snapstage::hal
