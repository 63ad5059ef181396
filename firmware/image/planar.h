// SPDX-License-Identifier: MIT
// Planar YUV helpers for the encoder: split NV12 chroma, deinterleave YUYV, and average chroma
// planes down (in place). Pure byte loops, no TurboJPEG, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace snapstage::image {

// NV12's interleaved UV plane (`cw` pairs per row, `ch` rows, `uvStride` bytes apart) into
// separate U and V planes of cw x ch, tightly packed.
void splitNv12Chroma(const uint8_t* uv, size_t uvStride, uint32_t cw, uint32_t ch, uint8_t* u,
                     uint8_t* v) noexcept;

// Where deinterleaveYuyv() writes; u and v may be null to extract luma only.
struct YuvPlanesOut {
    uint8_t* y = nullptr;  // width x height
    uint8_t* u = nullptr;  // width/2 x height (4:2:2) or width/2 x ceil(height/2) (4:2:0)
    uint8_t* v = nullptr;
};

// Packed YUYV (even `width`, rows `stride` bytes apart) into tightly packed planes. With
// `to420`, each pair of rows' chroma is averaged (rounding up), a last odd row taken alone.
void deinterleaveYuyv(const uint8_t* src, size_t stride, uint32_t width, uint32_t height,
                      bool to420, const YuvPlanesOut& out) noexcept;

// Averages `fx` x `fy` blocks (each 1 or 2) of a tightly packed `width` x `height` plane, writing
// the ceil(width/fx) x ceil(height/fy) result tightly packed over the start of the same buffer.
// Edge blocks past an odd side repeat the last sample.
void downsamplePlaneInPlace(uint8_t* plane, uint32_t width, uint32_t height, uint32_t fx,
                            uint32_t fy) noexcept;

// Copies a `width` x `height` plane (rows `stride` bytes apart) into a tightly packed
// `paddedWidth` x `paddedHeight` one at `dst`, repeating the last column and the last row into
// the padding (as TurboJPEG pads planes to whole MCUs).
void copyPadded(const uint8_t* src, size_t stride, uint32_t width, uint32_t height, uint8_t* dst,
                uint32_t paddedWidth, uint32_t paddedHeight) noexcept;

}  // namespace snapstage::image
