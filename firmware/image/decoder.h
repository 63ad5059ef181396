// SPDX-License-Identifier: MIT
// image::Decoder: JPEG to RGB for display, scaled down in the DCT (TurboJPEG scaling factors) to
// the largest size that fits a box, into a buffer allocated at init().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "firmware/util/pixels.h"
#include "firmware/util/result.h"

namespace snapstage::image {

struct DecoderConfig {
    uint32_t maxOutputWidth = 1920;  // the output never exceeds this box
    uint32_t maxOutputHeight = 1080;
};

class Decoder {
public:
    Decoder() noexcept;
    ~Decoder();
    Decoder(const Decoder&) = delete;
    Decoder& operator=(const Decoder&) = delete;

    // Allocates the RGB output buffer for the box and the decompressor.
    Status init(const DecoderConfig& config) noexcept;

    // Reads a JPEG's size without decoding. Errors: JpegDecode.
    Result<ImageView> probe(std::span<const std::byte> jpeg) noexcept;

    // Decodes `jpeg` to Rgb24 at the largest TurboJPEG scaling factor (1/8 .. 1) whose output fits
    // within `boxWidth` x `boxHeight` (each at most the configured box). The view points into the
    // decoder's buffer until the next decode(). Errors: JpegDecode, Overflow (even 1/8 too big).
    Result<ImageView> decode(std::span<const std::byte> jpeg, uint32_t boxWidth,
                             uint32_t boxHeight) noexcept;

private:
    struct Impl;
    DecoderConfig config_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace snapstage::image
