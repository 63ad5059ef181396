// SPDX-License-Identifier: MIT
// UTF-8 validation and printable rendering.
#include "firmware/util/text.h"

#include <cstdio>
#include <cstring>

namespace snapstage::text {

size_t utf8Length(std::string_view s, size_t pos, uint32_t& codePoint) noexcept {
    const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
    const uint8_t b0 = byte(pos);
    if (b0 < 0x80) {
        codePoint = b0;
        return 1;
    }
    size_t len = 0;
    uint32_t cp = 0, min = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2, cp = b0 & 0x1Fu, min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3, cp = b0 & 0x0Fu, min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4, cp = b0 & 0x07u, min = 0x10000;
    } else {
        return 0;  // a continuation byte, C0/C1 (overlong 2-byte) or F5..FF
    }
    if (s.size() - pos < len) return 0;
    for (size_t i = 1; i < len; ++i) {
        const uint8_t b = byte(pos + i);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    codePoint = cp;
    return len;
}

size_t firstInvalidUtf8(std::string_view s) noexcept {
    uint32_t cp = 0;
    for (size_t pos = 0; pos < s.size();) {
        const size_t n = utf8Length(s, pos, cp);
        if (n == 0) return pos;
        pos += n;
    }
    return std::string_view::npos;
}

size_t printable(std::string_view in, std::span<char> out, bool keepLineBreaks) noexcept {
    size_t len = 0;
    const auto put = [&](const char* bytes, size_t n) {
        if (out.size() - len < n) return false;
        std::memcpy(out.data() + len, bytes, n);
        len += n;
        return true;
    };
    uint32_t cp = 0;
    for (size_t pos = 0; pos < in.size();) {
        const size_t n = utf8Length(in, pos, cp);
        char esc[8];
        bool fits = true;
        if (n == 0) {  // not UTF-8: the byte's value, visibly
            std::snprintf(esc, sizeof esc, "\\x%02x", static_cast<uint8_t>(in[pos]));
            fits = put(esc, 4);
        } else if (isControl(cp) && !(keepLineBreaks && (cp == '\n' || cp == '\t'))) {
            const int w = std::snprintf(esc, sizeof esc, cp < 0x80 ? "\\x%02x" : "\\u%04x",
                                        static_cast<unsigned>(cp));
            fits = put(esc, static_cast<size_t>(w));
        } else {
            fits = put(in.data() + pos, n);
        }
        if (!fits) break;
        pos += n == 0 ? 1 : n;
    }
    return len;
}

}  // namespace snapstage::text
