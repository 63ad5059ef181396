// SPDX-License-Identifier: MIT
// BackendInfo: what a device backend is called and which options it takes, as listed in its
// kind's registry. The config check reads it to refuse an option the chosen backend would not
// take, naming the file and the key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace snapstage::hal {

enum class OptionKind : unsigned char { Number, Text, Flag };

struct BackendOption {
    const char* key;
    OptionKind kind;
    uint32_t min = 1;  // numbers: the range the config check enforces
    uint32_t max = 1u << 20;
};

struct BackendInfo {
    const char* name;
    std::span<const BackendOption> options;
};

// The option `key` of backend `b`, or null.
const BackendOption* findOption(const BackendInfo& b, std::string_view key) noexcept;
// "a,b,c" of the backend's option keys ("none" when it takes none).
void optionNames(const BackendInfo& b, char* out, size_t capacity) noexcept;

}  // namespace snapstage::hal
