// SPDX-License-Identifier: MIT
// Shared by the cloud adapters' fuzz targets: a service answer parsed as the API client parses
// it (JSON, unwrapped from {"data": ...}), handed to one reader with a fresh Remote record. The
// readers must never crash, and what they keep must stay within the record's fixed fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "firmware/cloud/adapters.h"

namespace snapstage::fuzz {

template <typename Reader>
void readAnswer(const uint8_t* data, size_t size, Reader&& read) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto doc = json::Document::parse(text);
    if (!doc.ok()) return;
    auto remote = std::make_unique<cloud::Remote>();
    remote->image.assign("0b7a5f0e-8f3a-4d52-9c1e-2f6c1c3e9a11");
    read(cloud::unwrapData(doc->root()), *remote);
    if (remote->resultCount > cloud::kMaxResults) __builtin_trap();
    for (size_t i = 0; i < remote->resultCount; ++i)
        if (remote->results[i].empty()) __builtin_trap();
}

}  // namespace snapstage::fuzz
