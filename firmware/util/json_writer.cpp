// SPDX-License-Identifier: MIT
// Compact JSON text writer.
#include "firmware/util/json_writer.h"

#include <cmath>
#include <cstdio>

namespace snapstage {

void JsonWriter::put(char c) noexcept {
    if (len_ < buf_.size())
        buf_[len_++] = c;
    else
        overflow_ = true;
}

void JsonWriter::put(std::string_view s) noexcept {
    for (char c : s)
        put(c);
}

void JsonWriter::separator() noexcept {
    if (afterKey_) {
        afterKey_ = false;
        return;
    }
    if (needComma_) put(',');
}

JsonWriter& JsonWriter::open(char c) noexcept {
    separator();
    put(c);
    needComma_ = false;
    return *this;
}

JsonWriter& JsonWriter::close(char c) noexcept {
    put(c);
    needComma_ = true;
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) noexcept {
    value(name);
    put(':');
    afterKey_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) noexcept {
    separator();
    put('"');
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                put("\\\"");
                break;
            case '\\':
                put("\\\\");
                break;
            case '\n':
                put("\\n");
                break;
            case '\r':
                put("\\r");
                break;
            case '\t':
                put("\\t");
                break;
            default:
                if (c < 0x20) {
                    char esc[8];
                    std::snprintf(esc, sizeof esc, "\\u%04x", c);
                    put(esc);
                } else {
                    put(ch);
                }
        }
    }
    put('"');
    needComma_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(int64_t number) noexcept {
    char text[24];
    std::snprintf(text, sizeof text, "%lld", static_cast<long long>(number));
    return raw(text);
}

JsonWriter& JsonWriter::value(uint64_t number) noexcept {
    char text[24];
    std::snprintf(text, sizeof text, "%llu", static_cast<unsigned long long>(number));
    return raw(text);
}

JsonWriter& JsonWriter::value(double number) noexcept {
    if (!std::isfinite(number)) return null();
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", number);
    return raw(text);
}

JsonWriter& JsonWriter::value(bool flag) noexcept {
    return raw(flag ? "true" : "false");
}
JsonWriter& JsonWriter::null() noexcept {
    return raw("null");
}

JsonWriter& JsonWriter::raw(std::string_view json) noexcept {
    separator();
    put(json);
    needComma_ = true;
    return *this;
}

}  // namespace snapstage
