// SPDX-License-Identifier: MIT
// The service catalog as the device knows it: the live list of available tools (AI HomeDesign
// v3), cached in the spool with its fetch time and refreshed when older than a day, so that
// `submit` checks a job against it before anything is uploaded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "firmware/app/runtime.h"

namespace snapstage::app {

struct LiveCatalog {
    int64_t fetchedS = 0;            // 0: never fetched
    std::vector<std::string> tools;  // available tool slugs (v3); empty: unknown
};

// The cached catalog, fetched anew when missing, older than `maxAgeS` or when `refresh`.
// A failed fetch falls back to the cache (or to the built-in table: an empty list), with a
// warning through `events`.
LiveCatalog liveCatalog(Runtime& rt, bool refresh, int64_t maxAgeS = 86400) noexcept;

}  // namespace snapstage::app
