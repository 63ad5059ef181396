// SPDX-License-Identifier: MIT
// Fuzz target: config parsing (JSON from disk, validated over the board defaults). A refused
// config's message, written as an --json error event would write it, must stay valid UTF-8 with
// no raw control character, whatever bytes the file held.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "firmware/app/config.h"
#include "firmware/util/json_writer.h"
#include "firmware/util/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    auto cfg = snapstage::app::parseConfig(text, "fuzz.json");
    if (cfg.ok()) return 0;
    if (cfg.error().code() != snapstage::Errc::Config) __builtin_trap();
    // As large as the event writer's line (events.cpp): it never cuts an event.
    char buf[4096];
    snapstage::JsonWriter w(buf);
    w.beginObject().key("message").value(cfg.error().message()).endObject();
    if (w.overflowed()) __builtin_trap();  // the event writer would have dropped it
    const std::string_view event = w.text();
    if (snapstage::text::firstInvalidUtf8(event) != std::string_view::npos) __builtin_trap();
    for (char c : event)
        if (static_cast<unsigned char>(c) < 0x20) __builtin_trap();
    return 0;
}
