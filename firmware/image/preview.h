// SPDX-License-Identifier: MIT
// image::PreviewScaler: a camera frame (YUYV, NV12, I420, RGB24 or BGR24) scaled and converted
// into 32-bit or RGB565 pixel rows, for the kiosk's live preview. Two paths: libyuv (where the
// build found it) and the project's own portable rows. Colours are BT.601 full range, as the
// cameras are asked for and as JPEG encodes them. Scratch is sized at init(); draw() allocates
// nothing in the project's code (libyuv's filtering scalers take a row buffer or two per call
// from malloc: bench/preview_bench counts them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "firmware/util/pixels.h"
#include "firmware/util/result.h"

namespace snapstage::image {

// How output pixels lie in memory (the display formats of hal/display.h, named here so that the
// image module stays below the HAL).
enum class RgbLayout : uint8_t {
    Xrgb8888,  // B, G, R, X bytes
    Xbgr8888,  // R, G, B, X bytes
    Rgb565,    // little-endian RRRRRGGG GGGBBBBB
};

// Rows to draw into, borrowed for the call: `width` x `height` pixels, rows `strideBytes` apart.
struct RgbRows {
    uint8_t* pixels = nullptr;
    uint32_t width = 0;
    uint32_t height = 0;
    uint32_t strideBytes = 0;
    RgbLayout layout = RgbLayout::Xrgb8888;
};

enum class ScalePath : uint8_t { Libyuv, Portable };
const char* to_string(ScalePath p) noexcept;

// The largest width x height of the source's aspect ratio that fits a box, and where it sits
// centred in the box (offsets from the box's corner). Empty for an empty source or box.
struct Letterbox {
    uint32_t x = 0, y = 0, width = 0, height = 0;
};
Letterbox letterbox(uint32_t srcWidth, uint32_t srcHeight, uint32_t boxWidth,
                    uint32_t boxHeight) noexcept;

// True when this build links libyuv; its version as "libyuv 1857", or "" without it.
bool haveLibyuv() noexcept;
const char* libyuvVersion() noexcept;

class PreviewScaler {
public:
    PreviewScaler() noexcept;
    ~PreviewScaler();
    PreviewScaler(const PreviewScaler&) = delete;
    PreviewScaler& operator=(const PreviewScaler&) = delete;

    // Prepares to draw frames of `format` (or of any format needing no more scratch) into at most
    // `maxWidth` x `maxHeight` pixels, on `path`. Errors: NotSupported (libyuv asked for in a build
    // without it; a format this cannot convert, such as MJPEG: decode those with image::Decoder),
    // NoMemory, InvalidArgument.
    Status init(PixelFormat format, uint32_t maxWidth, uint32_t maxHeight, ScalePath path) noexcept;
    ScalePath path() const noexcept { return path_; }

    // Scales `frame` to exactly `out.width` x `out.height` (the caller keeps the aspect, e.g.
    // with letterbox()) and writes every pixel of `out`. Calls from one thread at a time.
    // Errors: InvalidArgument (a frame of a format needing more scratch than init()'s, planes
    // shorter than its size needs, a format it cannot convert, `out` larger than init()'s size or
    // empty), Internal (libyuv refused).
    Status draw(const ImageView& frame, const RgbRows& out) noexcept;

private:
    Status drawLibyuv(const ImageView& frame, const RgbRows& out) noexcept;

    PixelFormat format_ = PixelFormat::Unknown;
    uint32_t maxWidth_ = 0, maxHeight_ = 0;
    ScalePath path_ = ScalePath::Portable;
    std::unique_ptr<uint8_t[]> scratch_;  // libyuv: the scaled frame, then one strip of ARGB
    size_t scratchBytes_ = 0;
};

// The project's own rows, any target: `frame` point-sampled (centre of each output pixel) to
// `out`, converted and packed. No scratch, no allocation. The frame must be checked already.
void drawPortable(const ImageView& frame, const RgbRows& out) noexcept;

}  // namespace snapstage::image
