// SPDX-License-Identifier: MIT
// image::Encoder: camera frames to JPEG with TurboJPEG, into one buffer allocated at init(), with
// an EXIF APP1 segment (capture time, make/model, orientation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "firmware/util/pixels.h"
#include "firmware/util/result.h"

namespace snapstage::image {

enum class Subsampling : uint8_t { S444, S422, S420, Gray };
const char* to_string(Subsampling s) noexcept;  // "444", "422", "420", "gray"
// Errors: InvalidArgument naming the accepted values.
Result<Subsampling> parseSubsampling(std::string_view text) noexcept;

struct EncoderConfig {
    uint32_t maxWidth = 1920;  // largest frame that will be encoded
    uint32_t maxHeight = 1080;
    int quality = 90;  // 1..100
    Subsampling subsampling = Subsampling::S420;
};

struct ExifInfo {
    int64_t captureTimeUtc = 0;  // seconds since the epoch; 0 leaves the date tags out
    std::string_view make;       // e.g. "Raspberry Pi"; empty leaves the tag out
    std::string_view model;      // e.g. "Raspberry Pi 4 Model B"
    uint16_t orientation = 1;    // EXIF orientation 1..8
};

class Encoder {
public:
    Encoder() noexcept;
    ~Encoder();
    Encoder(const Encoder&) = delete;
    Encoder& operator=(const Encoder&) = delete;

    // Allocates the output buffer (TurboJPEG's worst case for maxWidth x maxHeight plus the EXIF
    // segment), the compressor and the planar scratch buffers. Call once, from any thread.
    // Errors: InvalidArgument (quality, size), NoMemory, JpegEncode.
    Status init(const EncoderConfig& config) noexcept;

    // Encodes one frame. YUV frames (I420, NV12, YUYV) are compressed from their planes without
    // an RGB round trip; RGB24 from RGB; MJPEG frames are decoded to YUV planes and re-encoded
    // (so quality, size checks and EXIF apply to them too). The returned bytes live in the
    // encoder's buffer until the next encode(). Never allocates (our code; TurboJPEG's memory
    // manager mallocs and frees a fixed set of work buffers inside each call).
    // Subsampling: the configured one, unless the source holds less chroma than that in some
    // direction; then the source's own is kept rather than upsampled: I420, NV12 and 4:2:0 MJPEG
    // stay 4:2:0 under "444"/"422"; YUYV stays 4:2:2 under "444" (and is averaged to 4:2:0 under
    // "420"); an MJPEG frame with finer chroma than configured is averaged down; "gray" keeps
    // luma only. RGB24 always gets the configured one.
    // Output: SOI, then the EXIF APP1 (Make, Model, Orientation, DateTime* in UTC with
    // OffsetTime "+00:00", PixelX/YDimension), then TurboJPEG's stream without its JFIF APP0
    // (an Exif file as cameras write, APP1 first). An MJPEG frame that decodes with a libjpeg
    // warning (damaged but complete) is encoded and the warning logged; a fatal decode error is
    // JpegDecode.
    // Errors: InvalidArgument (frame larger than configured, planes too small for the size, odd
    // YUYV width, orientation outside 1..8), JpegFormat (unknown or CMYK), JpegEncode,
    // JpegDecode, Overflow (make + model longer than the ~1.6 KB EXIF room), Internal (no init).
    Result<std::span<const std::byte>> encode(const ImageView& frame,
                                              const ExifInfo& exif) noexcept;

    const EncoderConfig& config() const noexcept { return config_; }
    // Bytes allocated by init() for the JPEG and scratch buffers (0 before init()); most pages
    // stay untouched (TurboJPEG's worst case is several times a real JPEG).
    size_t bufferBytes() const noexcept;

private:
    struct Impl;
    EncoderConfig config_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace snapstage::image
