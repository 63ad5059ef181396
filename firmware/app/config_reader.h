// SPDX-License-Identifier: MIT
// SectionReader: reads one JSON object of a config or board file into typed fields, remembering
// every key it was asked about so that unknown keys can be reported. Internal to config.cpp.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "firmware/util/json.h"
#include "firmware/util/result.h"
#include "hal/backend_info.h"
#include "hal/spec.h"

namespace snapstage::app {

// A numeric device option and the values it accepts.
struct NumberKey {
    const char* name;
    uint32_t min = 0;
    uint32_t max = 1u << 20;
};

// Checks a whole parsed document before any section is read: every object's keys are unique, and
// every key and string is valid UTF-8. Errors: Config "<origin>: <key path>: ...".
Status checkDocument(const std::string& origin, json::Value root) noexcept;

class SectionReader {
public:
    // `origin` is the file name for messages; `prefix` the key path ("camera").
    SectionReader(const std::string& origin, std::string prefix, json::Value object) noexcept;

    // Each returns false (and records the first error) when the key is present but wrong; an
    // absent key leaves `out` alone.
    bool text(const char* key, std::string& out,
              std::initializer_list<const char*> allowed = {}) noexcept;
    bool whole(const char* key, uint32_t& out, uint32_t min, uint32_t max) noexcept;
    bool whole(const char* key, int& out, int min, int max) noexcept;
    bool flag(const char* key, bool& out) noexcept;
    // A number (whole or not) from min to max.
    bool real(const char* key, double& out, double min, double max) noexcept;
    bool textList(const char* key, std::vector<std::string>& out) noexcept;
    // A nested object, or an invalid Value when absent (wrong type is an error).
    json::Value object(const char* key) noexcept;
    // Whether the object has `key` (its value is read by one of the calls above).
    bool has(const char* key) const noexcept { return object_.get(key).valid(); }
    // Marks a key as known without reading it.
    void allow(const char* key) noexcept { known_.push_back(key); }

    // Reads a device section: "backend" (one of `backends`), "device" as the spec's argument and
    // every other known key (numbers and booleans as text) as an option.
    bool device(hal::DeviceSpec& spec, std::initializer_list<const char*> backends,
                std::initializer_list<const char*> textKeys,
                std::initializer_list<NumberKey> numberKeys,
                std::initializer_list<const char*> flagKeys) noexcept;

    // Reads a device section whose backends and their options come from a registry table
    // (`kind` names the device in messages): "backend" one of the table's, "device" as the
    // spec's argument, and each other key only when the chosen backend takes it. Keys read
    // before (the section's own, such as display.preview_fps) are left to their reader.
    bool device(hal::DeviceSpec& spec, const char* kind,
                std::span<const hal::BackendInfo> table) noexcept;

    // Records an error for the first key present in the object that was never asked about.
    void finish() noexcept;

    bool ok() const noexcept { return error_.code() == Errc::Ok; }
    const Error& error() const noexcept { return error_; }
    std::string path(const char* key) const;
    [[gnu::format(printf, 3, 4)]] void fail(const char* key, const char* fmt, ...) noexcept;

private:
    json::Value get(const char* key) noexcept;

    const std::string& origin_;
    std::string prefix_;
    json::Value object_;
    std::vector<std::string> known_;
    Error error_;
};

}  // namespace snapstage::app
