// SPDX-License-Identifier: MIT
// Frame layout and RGB-to-YUV writing for the simulated cameras (BT.601 full range, as JPEG).
#pragma once

#include <cstddef>
#include <cstdint>

#include "hal/camera.h"

namespace snapstage::hal {

struct Rgb {
    uint8_t r, g, b;
};

// Lays out a tightly packed frame of `format` over `base` (may be null to only size it) and
// returns its view; `sizeBytes` receives the total size.
FrameView layoutFrame(PixelFormat format, uint32_t width, uint32_t height, std::byte* base,
                      size_t& sizeBytes) noexcept;

// Writes 2x2 pixel blocks into a frame laid out by layoutFrame (chroma averaged per block).
class FrameWriter {
public:
    FrameWriter(const FrameView& view, std::byte* base) noexcept;
    // (x, y) is the top-left of the block; both even.
    void put2x2(uint32_t x, uint32_t y, Rgb p00, Rgb p10, Rgb p01, Rgb p11) noexcept;

private:
    PixelFormat format_;
    uint8_t* planes_[3];
    uint32_t strides_[3];
};

}  // namespace snapstage::hal
