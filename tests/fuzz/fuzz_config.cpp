// SPDX-License-Identifier: MIT
// Fuzz target: config parsing (JSON from disk, validated over the board defaults).
#include <cstddef>
#include <cstdint>
#include <string>

#include "firmware/app/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    auto cfg = snapstage::app::parseConfig(text, "fuzz.json");
    if (!cfg.ok() && cfg.error().code() != snapstage::Errc::Config) __builtin_trap();
    return 0;
}
