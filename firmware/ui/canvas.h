// SPDX-License-Identifier: MIT
// Canvas: drawing into a display frame (XRGB8888 or RGB565) with no allocation: filled
// rectangles, text in the built-in fonts at an integer scale, word-wrapped paragraphs, and RGB
// images. Everything is clipped to the frame.
#pragma once

#include <cstdint>
#include <string_view>

#include "firmware/ui/font.h"
#include "firmware/util/pixels.h"
#include "hal/display.h"

namespace snapstage::ui {

struct Rgb {
    uint8_t r = 0, g = 0, b = 0;
};

struct Rect {
    int32_t x = 0, y = 0, w = 0, h = 0;
    int32_t right() const noexcept { return x + w; }
    int32_t bottom() const noexcept { return y + h; }
    bool inside(const Rect& outer) const noexcept {
        return x >= outer.x && y >= outer.y && right() <= outer.right() &&
               bottom() <= outer.bottom();
    }
};

class Canvas {
public:
    explicit Canvas(const hal::DisplayFrame& frame) noexcept : f_(frame) {}

    int32_t width() const noexcept { return static_cast<int32_t>(f_.width); }
    int32_t height() const noexcept { return static_cast<int32_t>(f_.height); }
    Rect bounds() const noexcept { return {0, 0, width(), height()}; }
    const hal::DisplayFrame& frame() const noexcept { return f_; }

    void fill(Rect r, Rgb c) noexcept;
    // Fills `r` except `hole` (a picture already drawn there): the bands above, below and beside.
    void fillAround(Rect r, Rect hole, Rgb c) noexcept;
    // Text with its top-left corner at (x, y); returns the rectangle it covers.
    Rect text(int32_t x, int32_t y, std::string_view s, const BitmapFont& font, uint32_t scale,
              Rgb c) noexcept;
    // Text centred in `box` (horizontally, and vertically within it).
    Rect textCentered(Rect box, std::string_view s, const BitmapFont& font, uint32_t scale,
                      Rgb c) noexcept;
    // Words wrapped to `box`'s width, from its top; returns the rectangle used (lines that do
    // not fit the box's height are left out).
    Rect paragraph(Rect box, std::string_view s, const BitmapFont& font, uint32_t scale,
                   Rgb c) noexcept;
    static int32_t textWidth(std::string_view s, const BitmapFont& font, uint32_t scale) noexcept;
    // An RGB24 image (plane 0) with its top-left corner at (x, y).
    void image(const ImageView& rgb, int32_t x, int32_t y) noexcept;
    // The colour at (x, y) (tests, read-back).
    Rgb at(int32_t x, int32_t y) const noexcept;

private:
    void put(int32_t x, int32_t y, Rgb c) noexcept;
    hal::DisplayFrame f_;
};

}  // namespace snapstage::ui
