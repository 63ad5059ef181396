// SPDX-License-Identifier: MIT
// Text checks for bytes from outside (config files, servers, file names): UTF-8 validation and a
// printable rendering for terminals and logs, with no control character left raw. No allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace snapstage::text {

// The length (1..4) of the well-formed UTF-8 sequence that starts at `s[pos]`, its code point in
// `codePoint`; 0 when the bytes there are not UTF-8 (a stray continuation byte, an overlong form,
// a surrogate, a value past U+10FFFF or a sequence cut short).
size_t utf8Length(std::string_view s, size_t pos, uint32_t& codePoint) noexcept;

// Offset of the first byte of `s` that is not well-formed UTF-8; npos when all of it is.
size_t firstInvalidUtf8(std::string_view s) noexcept;

// True for the C0 controls, DEL and the C1 controls (U+0080..U+009F): what a terminal may act on.
constexpr bool isControl(uint32_t codePoint) noexcept {
    return codePoint < 0x20 || (codePoint >= 0x7F && codePoint <= 0x9F);
}

// Copies `in` into `out` so that it is safe to show on a terminal or write to a log: valid UTF-8
// is kept, each control character is written as a visible escape ("\x1b", "\u009b"; newline and
// tab too unless `keepLineBreaks`) and each byte that is not UTF-8 as "\xff". Stops before a
// character that would not fit. Returns the number of bytes written into `out`.
size_t printable(std::string_view in, std::span<char> out, bool keepLineBreaks) noexcept;

}  // namespace snapstage::text
