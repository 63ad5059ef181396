// SPDX-License-Identifier: MIT
// Typed, validating reads of config sections.
#include "firmware/app/config_reader.h"

#include <cstdarg>
#include <cstdio>

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

}  // namespace

SectionReader::SectionReader(const std::string& origin, std::string prefix,
                             json::Value object) noexcept
    : origin_(origin), prefix_(std::move(prefix)), object_(object) {}

std::string SectionReader::path(const char* key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + key;
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
                           std::initializer_list<const char*> numberKeys,
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
    for (const char* k : numberKeys) {
        uint32_t n = 0;
        if (!whole(k, n, 0, 1u << 20)) return false;
        if (object_.get(k).valid()) spec.setOption(k, std::to_string(n));
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
                if (!whole(opt->key, n, 1, 1u << 20)) return false;
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
