// SPDX-License-Identifier: MIT
// Reads the size of a JPEG (from its SOF marker) and the header of a binary PPM, without decoding:
// what the file camera needs to lend a file as a frame. Parses untrusted bytes from disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "firmware/util/result.h"

namespace snapstage::hal {

struct ImageHeader {
    enum class Kind { Jpeg, Ppm } kind = Kind::Jpeg;
    uint32_t width = 0;
    uint32_t height = 0;
    size_t pixelOffset = 0;  // PPM: where the RGB samples start
};

// Errors: StorageFormat with a message saying what is wrong.
Result<ImageHeader> probeJpeg(std::span<const std::byte> data) noexcept;
// Binary PPM (P6), maxval 255. Errors: StorageFormat (including too few sample bytes).
Result<ImageHeader> probePpm(std::span<const std::byte> data) noexcept;
// Picks by magic bytes.
Result<ImageHeader> probeImage(std::span<const std::byte> data) noexcept;

}  // namespace snapstage::hal
