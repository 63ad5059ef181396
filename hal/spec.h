// SPDX-License-Identifier: MIT
// hal::DeviceSpec: "BACKEND[:ARGUMENT][,key=value...]", how a device is named on the command
// line and in the config (e.g. "v4l2:/dev/video0,format=yuyv,width=1920,height=1080").
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "firmware/util/result.h"

namespace snapstage::hal {

struct DeviceSpec {
    std::string backend;
    std::string argument;  // device path, file or folder; may be empty
    std::vector<std::pair<std::string, std::string>> options;

    // Parses the text form. Errors: Usage, with a message naming the bad part.
    static Result<DeviceSpec> parse(std::string_view text) noexcept;
    std::string toString() const;

    // The value of `key`, or nullptr when absent.
    const std::string* option(std::string_view key) const noexcept;
    // Sets or replaces an option.
    void setOption(std::string_view key, std::string_view value);
    // A positive integer option in [1, max], or `fallback` when absent. Errors: InvalidArgument.
    Result<uint32_t> uintOption(std::string_view key, uint32_t fallback,
                                uint32_t max = 1u << 20) const noexcept;
    // InvalidArgument naming the first option that is not in `known`.
    Status checkKnown(std::initializer_list<std::string_view> known) const noexcept;
};

}  // namespace snapstage::hal
