// SPDX-License-Identifier: MIT
// Compact JSON text writer.
#include "firmware/util/json_writer.h"

#include <cmath>
#include <cstdio>

#include "firmware/util/text.h"

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
    uint32_t cp = 0;
    for (size_t pos = 0; pos < text.size();) {
        const size_t n = text::utf8Length(text, pos, cp);
        if (n == 0) {  // not UTF-8: U+FFFD, so that the output stays valid JSON
            put("\xEF\xBF\xBD");
            ++pos;
            continue;
        }
        if (cp == '"') {
            put("\\\"");
        } else if (cp == '\\') {
            put("\\\\");
        } else if (cp == '\n') {
            put("\\n");
        } else if (cp == '\r') {
            put("\\r");
        } else if (cp == '\t') {
            put("\\t");
        } else if (text::isControl(cp)) {  // C0, DEL and C1: escaped, never raw
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(cp));
            put(esc);
        } else {
            put(text.substr(pos, n));
        }
        pos += n;
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
