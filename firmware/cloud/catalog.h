// SPDX-License-Identifier: MIT
// What a service offers: AI HomeDesign v3 tools with their input slots, widgets and items (the
// vendor publishes no v3 endpoint for widgets, so the table its own client ships is built in
// here, and the live tool list says which tools are available), and Autoenhance's settings.
// Checks a job's --tool and --param against it before anything is uploaded.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "firmware/cloud/service.h"
#include "firmware/util/result.h"

namespace snapstage::cloud {

struct Widget {
    const char* purpose;  // "space": the slug is widget-<purpose>-<tool>
    bool required;
    bool multi;
    std::span<const char* const> items;  // item values: item-<value>-<widget slug>
};

struct Tool {
    const char* slug;
    const char* title;
    std::span<const char* const> slots;  // input slot suffixes: "input-image", ...
    std::span<const Widget> widgets;
    bool available;  // false: the vendor's catalog lists it, the API answers "tool not found"
};

// The AI HomeDesign v3 tools.
std::span<const Tool> v3Tools() noexcept;
const Tool* findV3Tool(std::string_view slug) noexcept;

// An Autoenhance setting accepted as --param KEY=VALUE.
struct Setting {
    const char* name;
    const char* kind;                     // "bool", "enum"
    std::span<const char* const> values;  // enum values
};
std::span<const Setting> autoenhanceSettings() noexcept;

// One --param as the user wrote it.
struct ParamText {
    std::string_view key;
    std::string_view value;
};

// Checks `tool` and `params` for `vendor` and fills request.tool and request.params with the
// service's own slugs (v3: "space=living-room" becomes widget-space-<tool> /
// item-living-room-widget-space-<tool>; full slugs are accepted too). `liveTools` (may be
// empty) are the slugs the service reported available. Errors: Usage, naming what is wrong and
// listing the valid choices, so that a typo fails before any upload.
Status resolveJob(Vendor vendor, std::string_view tool, std::span<const ParamText> params,
                  std::span<const std::string_view> liveTools, JobRequest& request) noexcept;

// AI HomeDesign v1: checks request.params (already filled by resolveJob) against the service's
// widget list (`widgets`: the data of GET /v1/catalog/items/filter), accepting a widget or item
// by id or by title (any case) and replacing it with its id; every widget that is not optional
// must be given. "space_name" and "remove_shadow" pass through. Errors: Usage listing the valid
// choices.
Status checkV1Widgets(json::Value widgets, JobRequest& request) noexcept;

// The slot names of a v3 tool for the primary, secondary and mask inputs ("" when the tool has
// no such slot), written into the given buffers.
struct V3Slots {
    FixedString<128> primary, secondary, mask;
};
Status v3SlotsFor(std::string_view tool, V3Slots& out) noexcept;

}  // namespace snapstage::cloud
