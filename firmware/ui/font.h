// SPDX-License-Identifier: MIT
// The built-in bitmap fonts: printable ASCII (32..126) from Terminus Bold at 8x16 and 16x32,
// drawn at an integer scale so that text stays legible from an 800x480 panel to 1920x1080.
#pragma once

#include <cstdint>

namespace snapstage::ui {

struct BitmapFont {
    uint32_t width;  // pixels per glyph
    uint32_t height;
    uint32_t rowBytes;      // bytes per glyph row, most significant bit leftmost
    const uint8_t* glyphs;  // 95 glyphs of height * rowBytes bytes, from ' ' to '~'

    // The rows of `c`'s glyph ('?' for anything outside printable ASCII).
    const uint8_t* glyph(char c) const noexcept {
        auto u = static_cast<unsigned char>(c);
        if (u < 32 || u > 126) u = '?';
        return glyphs + (u - 32u) * height * rowBytes;
    }
};

extern const BitmapFont kFontSmall;  // 8x16
extern const BitmapFont kFontLarge;  // 16x32

}  // namespace snapstage::ui
