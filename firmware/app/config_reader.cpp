// SPDX-License-Identifier: MIT
// Typed, validating reads of config sections.
#include "firmware/app/config_reader.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

#include "firmware/util/text.h"

namespace snapstage::app {
namespace {

// A short rendering of a JSON value for messages ("-3", "\"abc\"", "an object").
std::string describe(json::Value v) {
    char buf[64];
    switch (v.type()) {
        case json::Type::String:
            std::snprintf(buf, sizeof buf, "\"%.40s\"", std::string(v.asString()).c_str());
            return buf;
        case json::Type::Number:
            std::snprintf(buf, sizeof buf, "%g", v.asDouble());
            return buf;
        case json::Type::Bool:
            return v.asBool() ? "true" : "false";
        default:
            return json::to_string(v.type());
    }
}

std::string memberPath(const std::string& parent, std::string_view name) {
    return parent.empty() ? std::string(name) : parent + "." + std::string(name);
}

// An object's keys: each valid UTF-8 and none repeated (cJSON keeps every duplicate, and get()
// would silently see only the first). Sorted, so a file of many keys stays quick to check.
Status checkKeys(const std::string& origin, json::Value object, const std::string& path) {
    std::vector<std::string_view> names;
    names.reserve(static_cast<size_t>(object.size()));
    for (json::Value member : object) {
        const std::string_view name = member.name();
        if (text::firstInvalidUtf8(name) != std::string_view::npos)
            return failf(Errc::Config, 0, "%s: %s: key \"%.*s\" is not valid UTF-8", origin.c_str(),
                         path.empty() ? "(top level)" : path.c_str(), static_cast<int>(name.size()),
                         name.data());
        names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    if (auto twice = std::adjacent_find(names.begin(), names.end()); twice != names.end())
        return failf(Errc::Config, 0, "%s: %s: the key appears more than once; keep one",
                     origin.c_str(), memberPath(path, *twice).c_str());
    return {};
}

// Depth-first walk of checkDocument(); `path` names `v` ("" for the root).
Status checkValue(const std::string& origin, json::Value v, const std::string& path) {
    if (v.isString()) {
        const std::string_view s = v.asString();
        if (size_t bad = text::firstInvalidUtf8(s); bad != std::string_view::npos)
            return failf(Errc::Config, 0,
                         "%s: %s: the text is not valid UTF-8 (byte 0x%02x at offset %zu)",
                         origin.c_str(), path.c_str(), static_cast<uint8_t>(s[bad]), bad);
        return {};
    }
    if (v.isObject()) SNAPSTAGE_TRY(checkKeys(origin, v, path));
    int index = 0;
    for (json::Value child : v) {
        const std::string childPath = v.isObject() ? memberPath(path, child.name())
                                                   : path + "[" + std::to_string(index) + "]";
        ++index;
        SNAPSTAGE_TRY(checkValue(origin, child, childPath));
    }
    return {};
}

}  // namespace

Status checkDocument(const std::string& origin, json::Value root) noexcept {
    return checkValue(origin, root, "");
}

SectionReader::SectionReader(const std::string& origin, std::string prefix,
                             json::Value object) noexcept
    : origin_(origin), prefix_(std::move(prefix)), object_(object) {}

std::string SectionReader::path(const char* key) const {
    if (prefix_.empty()) return key;
    if (*key == '\0') return prefix_;  // the section itself
    return prefix_ + "." + key;
}

void SectionReader::fail(const char* key, const char* fmt, ...) noexcept {
    if (!ok()) return;
    char what[160];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(what, sizeof what, fmt, args);
    va_end(args);
    error_ = Error::format(Errc::Config, 0, "%s: %s: %s", origin_.c_str(), path(key).c_str(), what);
}

json::Value SectionReader::get(const char* key) noexcept {
    known_.push_back(key);
    return object_.get(key);
}

bool SectionReader::text(const char* key, std::string& out,
                         std::initializer_list<const char*> allowed) noexcept {
    json::Value v = get(key);
    if (!v.valid()) return true;
    if (!v.isString()) {
        fail(key, "expected a string, got %s", describe(v).c_str());
        return false;
    }
    std::string s(v.asString());
    if (allowed.size()) {
        bool found = false;
        std::string list;
        for (const char* a : allowed) {
            found = found || s == a;
            list += (list.empty() ? "" : ", ") + std::string(a);
        }
        if (!found) {
            fail(key, "\"%s\" is not one of: %s", s.c_str(), list.c_str());
            return false;
        }
    }
    out = std::move(s);
    return true;
}

bool SectionReader::whole(const char* key, uint32_t& out, uint32_t min, uint32_t max) noexcept {
    int64_t n = 0;
    json::Value v = get(key);
    if (!v.valid()) return true;
    if (!v.asInt64(n) || n < min || n > max) {
        fail(key, "expected a whole number from %u to %u, got %s", min, max, describe(v).c_str());
        return false;
    }
    out = static_cast<uint32_t>(n);
    return true;
}

bool SectionReader::whole(const char* key, int& out, int min, int max) noexcept {
    uint32_t v = 0;
    json::Value raw = object_.get(key);
    if (!whole(key, v, static_cast<uint32_t>(min), static_cast<uint32_t>(max))) return false;
    if (raw.valid()) out = static_cast<int>(v);
    return true;
}

bool SectionReader::real(const char* key, double& out, double min, double max) noexcept {
    json::Value v = get(key);
    if (!v.valid()) return true;
    double d = v.asDouble();
    if (!v.isNumber() || !(d >= min && d <= max)) {
        fail(key, "expected a number from %g to %g, got %s", min, max, describe(v).c_str());
        return false;
    }
    out = d;
    return true;
}

bool SectionReader::flag(const char* key, bool& out) noexcept {
    json::Value v = get(key);
    if (!v.valid()) return true;
    if (!v.isBool()) {
        fail(key, "expected true or false, got %s", describe(v).c_str());
        return false;
    }
    out = v.asBool();
    return true;
}

bool SectionReader::textList(const char* key, std::vector<std::string>& out) noexcept {
    json::Value v = get(key);
    if (!v.valid()) return true;
    if (!v.isArray()) {
        fail(key, "expected an array of strings, got %s", describe(v).c_str());
        return false;
    }
    std::vector<std::string> items;
    for (json::Value item : v) {
        if (!item.isString()) {
            fail(key, "expected an array of strings, found %s", describe(item).c_str());
            return false;
        }
        items.emplace_back(item.asString());
    }
    out = std::move(items);
    return true;
}

json::Value SectionReader::object(const char* key) noexcept {
    json::Value v = get(key);
    if (v.valid() && !v.isObject()) {
        fail(key, "expected an object, got %s", describe(v).c_str());
        return json::Value();
    }
    return v;
}

bool SectionReader::device(hal::DeviceSpec& spec, std::initializer_list<const char*> backends,
                           std::initializer_list<const char*> textKeys,
                           std::initializer_list<NumberKey> numberKeys,
                           std::initializer_list<const char*> flagKeys) noexcept {
    std::string backend = spec.backend;
    if (!text("backend", backend, backends)) return false;
    if (backend != spec.backend) spec = hal::DeviceSpec{backend, {}, {}};  // new backend: fresh
    if (!text("device", spec.argument)) return false;
    for (const char* k : textKeys) {
        std::string s;
        if (!text(k, s)) return false;
        if (!s.empty()) spec.setOption(k, s);
    }
    for (const NumberKey& k : numberKeys) {
        uint32_t n = 0;
        if (!whole(k.name, n, k.min, k.max)) return false;
        if (object_.get(k.name).valid()) spec.setOption(k.name, std::to_string(n));
    }
    for (const char* k : flagKeys) {
        bool b = false;
        if (!flag(k, b)) return false;
        if (object_.get(k).valid()) spec.setOption(k, b ? "true" : "false");
    }
    return true;
}

bool SectionReader::device(hal::DeviceSpec& spec, const char* kind,
                           std::span<const hal::BackendInfo> table) noexcept {
    std::string backend = spec.backend;
    if (!text("backend", backend)) return false;
    const hal::BackendInfo* info = nullptr;
    std::string names;
    for (const hal::BackendInfo& b : table) {
        if (backend == b.name) info = &b;
        names += names.empty() ? "" : ", ";
        names += b.name;
    }
    if (!info) {
        fail("backend", "\"%s\" is not a %s backend of this build; one of: %s", backend.c_str(),
             kind, names.c_str());
        return false;
    }
    if (backend != spec.backend) spec = hal::DeviceSpec{backend, {}, {}};  // new backend: fresh
    if (!text("device", spec.argument)) return false;
    if (!object_.isObject()) return true;
    for (json::Value member : object_) {
        std::string key(member.name());
        if (key == "backend" || key == "device") continue;
        if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
        const hal::BackendOption* opt = hal::findOption(*info, key);
        if (!opt) {
            char list[256];
            hal::optionNames(*info, list, sizeof list);
            fail(key.c_str(), "the %s %s takes no option %s (it takes: %s)", info->name, kind,
                 key.c_str(), list);
            return false;
        }
        std::string value;
        uint32_t n = 0;
        bool b = false;
        switch (opt->kind) {
            case hal::OptionKind::Number:
                if (!whole(opt->key, n, opt->min, opt->max)) return false;
                value = std::to_string(n);
                break;
            case hal::OptionKind::Text:
                if (!text(opt->key, value)) return false;
                break;
            case hal::OptionKind::Flag:
                if (!flag(opt->key, b)) return false;
                value = b ? "true" : "false";
                break;
        }
        spec.setOption(opt->key, value);
    }
    return true;
}

void SectionReader::finish() noexcept {
    if (!ok() || !object_.isObject()) return;
    for (json::Value member : object_) {
        bool known = false;
        for (const auto& k : known_)
            known = known || member.name() == k;
        if (!known) {
            std::string name(member.name());
            fail(name.c_str(), "unknown key");
            return;
        }
    }
}

}  // namespace snapstage::app
