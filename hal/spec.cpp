// SPDX-License-Identifier: MIT
// Device spec parsing.
#include "hal/spec.h"

#include <cctype>
#include <charconv>

namespace snapstage::hal {
namespace {
bool validBackendName(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    return true;
}
}  // namespace

Result<DeviceSpec> DeviceSpec::parse(std::string_view text) noexcept {
    DeviceSpec spec;
    std::string_view head = text.substr(0, text.find(','));
    std::string_view rest = head.size() < text.size() ? text.substr(head.size() + 1) : "";
    auto colon = head.find(':');
    spec.backend = std::string(head.substr(0, colon));
    if (colon != std::string_view::npos) spec.argument = std::string(head.substr(colon + 1));
    if (!validBackendName(spec.backend))
        return failf(Errc::Usage, 0,
                     "device spec '%.*s' must start with a backend name "
                     "(BACKEND[:ARGUMENT][,key=value...])",
                     static_cast<int>(text.size()), text.data());
    while (!rest.empty()) {
        std::string_view item = rest.substr(0, rest.find(','));
        rest = item.size() < rest.size() ? rest.substr(item.size() + 1) : "";
        auto eq = item.find('=');
        if (eq == std::string_view::npos || eq == 0)
            return failf(Errc::Usage, 0, "device spec option '%.*s' is not key=value",
                         static_cast<int>(item.size()), item.data());
        spec.setOption(item.substr(0, eq), item.substr(eq + 1));
    }
    return spec;
}

std::string DeviceSpec::toString() const {
    std::string s = backend;
    if (!argument.empty()) s += ":" + argument;
    for (const auto& [k, v] : options)
        s += "," + k + "=" + v;
    return s;
}

const std::string* DeviceSpec::option(std::string_view key) const noexcept {
    for (const auto& kv : options)
        if (kv.first == key) return &kv.second;
    return nullptr;
}

void DeviceSpec::setOption(std::string_view key, std::string_view value) {
    for (auto& kv : options) {
        if (kv.first == key) {
            kv.second = std::string(value);
            return;
        }
    }
    options.emplace_back(std::string(key), std::string(value));
}

Result<uint32_t> DeviceSpec::uintOption(std::string_view key, uint32_t fallback,
                                        uint32_t max) const noexcept {
    const std::string* v = option(key);
    if (!v) return fallback;
    uint32_t out = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc() || end != v->data() + v->size() || out == 0 || out > max)
        return failf(Errc::InvalidArgument, 0,
                     "%s: option %.*s=%s must be a whole number from 1 "
                     "to %u",
                     backend.c_str(), static_cast<int>(key.size()), key.data(), v->c_str(), max);
    return out;
}

Status DeviceSpec::checkKnown(std::initializer_list<std::string_view> known) const noexcept {
    for (const auto& kv : options) {
        bool found = false;
        for (auto k : known)
            found = found || k == kv.first;
        if (!found) {
            std::string list;
            for (auto k : known)
                list += (list.empty() ? "" : ", ") + std::string(k);
            return failf(Errc::InvalidArgument, 0, "%s: unknown option '%s' (known: %s)",
                         backend.c_str(), kv.first.c_str(), list.empty() ? "none" : list.c_str());
        }
    }
    return {};
}

}  // namespace snapstage::hal
