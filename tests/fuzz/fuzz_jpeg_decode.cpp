// SPDX-License-Identifier: MIT
// libFuzzer target: arbitrary bytes through image::Decoder (probe, then a scaled decode into a
// display box) and through image::Encoder as an MJPEG camera frame (decode to YUV, re-encode),
// the encoder sized to the frame's own header as `snapstage capture` sizes it from the camera, so
// that thin and odd sizes reach its buffers exactly as they would in the field.
#include <cstddef>
#include <cstdint>
#include <span>

#include "firmware/image/decoder.h"
#include "firmware/image/encoder.h"
#include "firmware/util/log.h"

namespace {

using namespace snapstage;

constexpr uint32_t kBoxWidth = 320, kBoxHeight = 240;
// Frames larger than this are left to the decoder alone: re-encoding them is slow and tells the
// fuzzer nothing a smaller one would not.
constexpr uint32_t kMaxFrameSide = 2048;
volatile unsigned gPixelSum;  // keeps the read of every decoded byte

struct Codecs {
    image::Decoder decoder;
    image::Encoder encoder;
    uint32_t encoderWidth = 0, encoderHeight = 0;
    Codecs() {
        log::setLevel(log::Level::Off);  // damaged-data warnings would flood the output
        if (!decoder.init({kBoxWidth, kBoxHeight}).ok()) __builtin_trap();
    }
    // The encoder set up for exactly width x height (re-initialised when the size changes).
    bool sizeEncoder(uint32_t width, uint32_t height) {
        if (width == encoderWidth && height == encoderHeight) return true;
        encoderWidth = encoderHeight = 0;
        if (!encoder.init({width, height, 75, image::Subsampling::S420}).ok()) return false;
        encoderWidth = width;
        encoderHeight = height;
        return true;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Codecs codecs;
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);

    auto header = codecs.decoder.probe(bytes);
    auto image = codecs.decoder.decode(bytes, kBoxWidth, kBoxHeight);
    if (image.ok()) {
        // A decoded image must have had a header, fit the box, and be fully readable.
        if (!header.ok() || image->width > kBoxWidth || image->height > kBoxHeight ||
            image->planes[0].data.size() != size_t{image->planes[0].strideBytes} * image->height)
            __builtin_trap();
        unsigned sum = 0;
        for (std::byte b : image->planes[0].data)
            sum += static_cast<unsigned>(b);
        gPixelSum = sum;
    }

    if (!header.ok() || header->width > kMaxFrameSide || header->height > kMaxFrameSide) return 0;
    if (!codecs.sizeEncoder(header->width, header->height)) __builtin_trap();
    ImageView frame;
    frame.format = PixelFormat::Mjpeg;
    frame.planes[0].data = bytes;
    frame.planeCount = 1;
    auto jpeg = codecs.encoder.encode(frame, {});
    if (jpeg.ok() && (jpeg->size() < 4 || (*jpeg)[0] != std::byte{0xFF})) __builtin_trap();
    return 0;
}
