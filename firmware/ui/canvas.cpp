// SPDX-License-Identifier: MIT
// Drawing into a display frame.
#include "firmware/ui/canvas.h"

#include <algorithm>

namespace snapstage::ui {
namespace {

uint16_t to565(Rgb c) {
    return static_cast<uint16_t>((c.r >> 3) << 11 | (c.g >> 2) << 5 | (c.b >> 3));
}

}  // namespace

void Canvas::put(int32_t x, int32_t y, Rgb c) noexcept {
    if (x < 0 || y < 0 || x >= width() || y >= height()) return;
    uint8_t* row = f_.pixels + static_cast<size_t>(y) * f_.strideBytes;
    if (f_.format != hal::DisplayFormat::Rgb565) {
        uint8_t* p = row + 4 * static_cast<size_t>(x);
        bool bgr = f_.format == hal::DisplayFormat::Xrgb8888;
        p[0] = bgr ? c.b : c.r;
        p[1] = c.g;
        p[2] = bgr ? c.r : c.b;
        p[3] = 0xff;
    } else {
        uint16_t v = to565(c);
        row[2 * x] = static_cast<uint8_t>(v);
        row[2 * x + 1] = static_cast<uint8_t>(v >> 8);
    }
}

Rgb Canvas::at(int32_t x, int32_t y) const noexcept {
    if (x < 0 || y < 0 || x >= width() || y >= height()) return {};
    const uint8_t* row = f_.pixels + static_cast<size_t>(y) * f_.strideBytes;
    if (f_.format != hal::DisplayFormat::Rgb565) {
        const uint8_t* p = row + 4 * static_cast<size_t>(x);
        return f_.format == hal::DisplayFormat::Xrgb8888 ? Rgb{p[2], p[1], p[0]}
                                                         : Rgb{p[0], p[1], p[2]};
    }
    unsigned v = static_cast<unsigned>(row[2 * x] | row[2 * x + 1] << 8);
    return {static_cast<uint8_t>((v >> 11) << 3), static_cast<uint8_t>(((v >> 5) & 63) << 2),
            static_cast<uint8_t>((v & 31) << 3)};
}

void Canvas::fill(Rect r, Rgb c) noexcept {
    int32_t x0 = std::max(r.x, 0), y0 = std::max(r.y, 0);
    int32_t x1 = std::min(r.right(), width()), y1 = std::min(r.bottom(), height());
    if (x0 >= x1 || y0 >= y1) return;
    if (f_.format != hal::DisplayFormat::Rgb565) {
        uint32_t v = f_.format == hal::DisplayFormat::Xrgb8888
                         ? 0xff000000u | uint32_t{c.r} << 16 | uint32_t{c.g} << 8 | c.b
                         : 0xff000000u | uint32_t{c.b} << 16 | uint32_t{c.g} << 8 | c.r;
        for (int32_t y = y0; y < y1; ++y) {
            auto* row =
                reinterpret_cast<uint32_t*>(f_.pixels + static_cast<size_t>(y) * f_.strideBytes);
            std::fill(row + x0, row + x1, v);
        }
        return;
    }
    for (int32_t y = y0; y < y1; ++y)
        for (int32_t x = x0; x < x1; ++x)
            put(x, y, c);
}

void Canvas::fillAround(Rect r, Rect hole, Rgb c) noexcept {
    int32_t x0 = std::max(hole.x, r.x), y0 = std::max(hole.y, r.y);
    int32_t x1 = std::min(hole.right(), r.right()), y1 = std::min(hole.bottom(), r.bottom());
    if (x0 >= x1 || y0 >= y1) {
        fill(r, c);
        return;
    }
    fill({r.x, r.y, r.w, y0 - r.y}, c);
    fill({r.x, y1, r.w, r.bottom() - y1}, c);
    fill({r.x, y0, x0 - r.x, y1 - y0}, c);
    fill({x1, y0, r.right() - x1, y1 - y0}, c);
}

int32_t Canvas::textWidth(std::string_view s, const BitmapFont& font, uint32_t scale) noexcept {
    return static_cast<int32_t>(s.size() * font.width * scale);
}

Rect Canvas::text(int32_t x, int32_t y, std::string_view s, const BitmapFont& font, uint32_t scale,
                  Rgb c) noexcept {
    const auto sc = static_cast<int32_t>(scale);
    for (size_t i = 0; i < s.size(); ++i) {
        const uint8_t* rows = font.glyph(s[i]);
        int32_t gx = x + static_cast<int32_t>(i * font.width) * sc;
        if (gx >= width()) break;
        for (uint32_t gy = 0; gy < font.height; ++gy) {
            const uint8_t* bits = rows + gy * font.rowBytes;
            for (uint32_t bx = 0; bx < font.width; ++bx) {
                if (!(bits[bx / 8] & (0x80 >> (bx % 8)))) continue;
                fill(
                    {gx + static_cast<int32_t>(bx) * sc, y + static_cast<int32_t>(gy) * sc, sc, sc},
                    c);
            }
        }
    }
    return {x, y, textWidth(s, font, scale), static_cast<int32_t>(font.height * scale)};
}

Rect Canvas::textCentered(Rect box, std::string_view s, const BitmapFont& font, uint32_t scale,
                          Rgb c) noexcept {
    int32_t w = textWidth(s, font, scale);
    int32_t h = static_cast<int32_t>(font.height * scale);
    return text(box.x + (box.w - w) / 2, box.y + (box.h - h) / 2, s, font, scale, c);
}

Rect Canvas::paragraph(Rect box, std::string_view s, const BitmapFont& font, uint32_t scale,
                       Rgb c) noexcept {
    const int32_t lineH = static_cast<int32_t>(font.height * scale) * 5 / 4;
    const auto perLine =
        static_cast<size_t>(std::max<int32_t>(1, box.w / static_cast<int32_t>(font.width * scale)));
    int32_t y = box.y, widest = 0;
    while (!s.empty() && y + static_cast<int32_t>(font.height * scale) <= box.bottom()) {
        size_t take = std::min(s.size(), perLine);
        if (take < s.size()) {
            size_t space = s.substr(0, take + 1).rfind(' ');
            if (space != std::string_view::npos && space > 0) take = space;
        }
        Rect r = text(box.x, y, s.substr(0, take), font, scale, c);
        widest = std::max(widest, r.w);
        s.remove_prefix(take);
        while (!s.empty() && s.front() == ' ')
            s.remove_prefix(1);
        y += lineH;
    }
    return {box.x, box.y, widest, y - box.y};
}

void Canvas::image(const ImageView& rgb, int32_t x, int32_t y) noexcept {
    if (rgb.format != PixelFormat::Rgb24 || rgb.planeCount < 1) return;
    const auto* src = reinterpret_cast<const uint8_t*>(rgb.planes[0].data.data());
    for (uint32_t row = 0; row < rgb.height; ++row) {
        const uint8_t* p = src + static_cast<size_t>(row) * rgb.planes[0].strideBytes;
        for (uint32_t col = 0; col < rgb.width; ++col)
            put(x + static_cast<int32_t>(col), y + static_cast<int32_t>(row),
                {p[3 * col], p[3 * col + 1], p[3 * col + 2]});
    }
}

}  // namespace snapstage::ui
