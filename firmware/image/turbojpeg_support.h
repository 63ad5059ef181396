// SPDX-License-Identifier: MIT
// Internal to firmware/image: TurboJPEG error translation shared by the encoder and decoder, and
// buffer sizes from TurboJPEG's own size functions.
// Takes the handle as void* (what tjhandle is) so that this header needs no TurboJPEG include.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "firmware/util/pixels.h"
#include "firmware/util/result.h"

namespace snapstage::image::detail {

// TurboJPEG reports failure by returning -1; its instances install their own libjpeg error
// manager (longjmp back into the API call, messages kept per handle), so nothing prints to
// stderr or calls exit(). These read that per-handle state.

// True when the last -1 from `handle` was only a warning: the output is complete but the input
// was damaged ("Corrupt JPEG data: 3 extraneous bytes before marker 0xd9"). False after a fatal
// error, even one that followed a warning (which tjGetErrorCode() alone calls a warning).
bool tjLastWasWarning(void* handle) noexcept;

// The last error or warning text of `handle` (TurboJPEG's own buffer, valid until its next call).
const char* tjLastMessage(void* handle) noexcept;

// A Failure "<what>: <TurboJPEG message>" with `code`.
Failure tjFailure(void* handle, Errc code, const char* what) noexcept;

struct JpegHeader {
    int width = 0;
    int height = 0;
    int subsampling = -1;  // TJSAMP_*
    int colorspace = -1;   // TJCS_*
};

// tjDecompressHeader3() made safe to call again: a header with only a warning is accepted, a
// tables-only or sizeless stream is an error, and after an error the instance is reset (2.1.5
// leaves it mid-header, so every later call on it would fail). Errors: JpegDecode "<what>: ...".
Result<JpegHeader> tjReadHeader(void* handle, std::span<const std::byte> jpeg,
                                const char* what) noexcept;

// Bytes of the planes tjDecompressToYUVPlanes() writes for a w x h image sampled `samp` (TJSAMP_*,
// stride 0): each plane padded as TurboJPEG pads it, to whole MCUs (a 1x1 4:2:0 image has a 2x2
// luma plane, a 1-pixel-wide 4:1:1 one a 4-pixel-wide luma plane), so several times w*h*3 for
// very thin images. 0 when too large.
size_t tjYuvPlanesBytes(uint32_t w, uint32_t h, int samp) noexcept;

// The encoder's scratch for any frame up to w x h: NV12 chroma or YUYV planes (at most 2 bytes a
// pixel), or an MJPEG frame of any sampling decoded to its padded planes. 0 when too large.
size_t tjScratchBytes(uint32_t w, uint32_t h) noexcept;

// The luma plane of an I420 or NV12 frame as TurboJPEG reads it under `samp`: padded to whole
// chroma blocks (an odd side gains a column or a row). A camera plane that stops at its last
// pixel is copied, padded, into `spare` (room for tjPlaneSizeYUV(0, ...) bytes); others are used
// in place. `stride` receives the returned plane's row pitch.
const unsigned char* tjPaddedLuma(const ImageView& frame, int samp, unsigned char* spare,
                                  int& stride) noexcept;

}  // namespace snapstage::image::detail
