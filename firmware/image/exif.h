// SPDX-License-Identifier: MIT
// EXIF APP1 writer: a little-endian TIFF block (IFD0 + Exif IFD) written into a caller span,
// allocation-free, for the encoder to place right after a JPEG's SOI marker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "firmware/image/encoder.h"
#include "firmware/util/result.h"

namespace snapstage::image {

// What goes into the segment: the caller's ExifInfo plus the encoded image size.
struct ExifFields {
    ExifInfo info;
    uint32_t pixelWidth = 0;
    uint32_t pixelHeight = 0;
};

// The largest segment writeExifApp1() will produce (the JPEG segment length limit).
inline constexpr size_t kMaxExifApp1Bytes = 65535 + 2;

// Size in bytes of the APP1 segment for `fields`, from its FF E1 marker to its last byte.
size_t exifApp1Size(const ExifFields& fields) noexcept;

// Writes the whole APP1 segment (FF E1, length, "Exif\0\0", TIFF header, IFD0 with Make, Model,
// Orientation, X/YResolution, ResolutionUnit, DateTime, YCbCrPositioning and the Exif IFD
// pointer; the Exif IFD with ExifVersion, DateTimeOriginal, DateTimeDigitized, the OffsetTime
// tags, ComponentsConfiguration, FlashpixVersion, ColorSpace, PixelX/YDimension) at the start of
// `out` and returns its size (= exifApp1Size()). Dates are written in UTC with OffsetTime
// "+00:00"; captureTimeUtc == 0 leaves the date and offset tags out, an empty make or model its
// tag. Never allocates; any thread.
// Errors: InvalidArgument (orientation outside 1..8, date outside years 0..9999),
// Overflow (`out` too small, or make + model too long for one segment).
Result<size_t> writeExifApp1(std::span<std::byte> out, const ExifFields& fields) noexcept;

}  // namespace snapstage::image
