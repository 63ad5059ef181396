// SPDX-License-Identifier: MIT
// Backend registries: one table per device kind of backend name, accepted options and
// constructor. The factory, the config check and `--version` read the same table, so that a
// name or an option is written once.
#pragma once

#include <array>
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

// What the config check and --version read of a table.
template <typename Device, size_t N>
constexpr std::array<BackendInfo, N> infosOf(const Backend<Device> (&table)[N]) noexcept {
    std::array<BackendInfo, N> out{};
    for (size_t i = 0; i < N; ++i)
        out[i] = table[i].info;
    return out;
}

// "a,b,c" of a table's names, written once into `buffer` (a static of the caller).
template <size_t N>
const char* namesOf(const std::array<BackendInfo, N>& infos, char* buffer,
                    size_t capacity) noexcept {
    if (!buffer[0]) {
        const char* names[N];
        for (size_t i = 0; i < N; ++i)
            names[i] = infos[i].name;
        backendNames(names, N, buffer, capacity);
    }
    return buffer;
}

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
