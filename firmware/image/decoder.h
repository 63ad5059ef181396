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

// A TurboJPEG scaling factor num/denom and the image size it gives.
struct ScaledSize {
    uint32_t width = 0;
    uint32_t height = 0;
    uint32_t num = 1;
    uint32_t denom = 1;
};

// The largest TurboJPEG scaling factor in 1/8 .. 1 at which a `width` x `height` JPEG fits
// within `boxWidth` x `boxHeight` (sizes round up, as libjpeg's do). Pure; any thread.
// Errors: Overflow (even 1/8 is too big), InvalidArgument (a zero size).
Result<ScaledSize> fitScale(uint32_t width, uint32_t height, uint32_t boxWidth,
                            uint32_t boxHeight) noexcept;

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

    // Reads a JPEG's size without decoding: an Mjpeg view of `jpeg` (borrowed, like `jpeg`)
    // with its width and height. Errors: JpegDecode (not a JPEG).
    Result<ImageView> probe(std::span<const std::byte> jpeg) noexcept;

    // Decodes `jpeg` to Rgb24 at the largest TurboJPEG scaling factor (1/8 .. 1) whose output fits
    // within `boxWidth` x `boxHeight` (each at most the configured box; larger values are
    // clamped to it). The view points into the decoder's buffer until the next decode(). A JPEG
    // that decodes with a libjpeg warning (damaged but complete) is returned and the warning
    // logged. Calls from one thread at a time.
    // Errors: JpegDecode (bad data, CMYK, over kMaxPixels), Overflow (even 1/8 too big),
    // Internal (no init).
    Result<ImageView> decode(std::span<const std::byte> jpeg, uint32_t boxWidth,
                             uint32_t boxHeight) noexcept;

    // Decodes `jpeg` straight into a caller's 32-bit pixel rows, B,G,R,X bytes (an XRGB8888
    // display frame) or, with `redFirst`, R,G,B,X (XBGR8888), at the largest scaling factor that
    // fits `boxWidth` x `boxHeight` (no larger than
    // the configured box): row y of the image lands at `pixels + y * pitchBytes`, borrowed for
    // the call. Returns the size written. Errors as decode(); InvalidArgument when the image
    // would not fit the rows given (`capacityBytes`).
    Result<ScaledSize> decode32(std::span<const std::byte> jpeg, uint8_t* pixels,
                                uint32_t pitchBytes, size_t capacityBytes, uint32_t boxWidth,
                                uint32_t boxHeight, bool redFirst = false) noexcept;

    // Largest JPEG accepted, in pixels: bounds libjpeg's work memory (a progressive JPEG keeps
    // all its coefficients) against hostile headers.
    static constexpr uint64_t kMaxPixels = 64ull << 20;

private:
    // The size `jpeg` decodes to within the box (and the configured one). Errors as decode().
    Result<ScaledSize> outputSize(std::span<const std::byte> jpeg, uint32_t boxWidth,
                                  uint32_t boxHeight) noexcept;

    struct Impl;
    DecoderConfig config_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace snapstage::image
