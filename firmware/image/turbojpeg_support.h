// SPDX-License-Identifier: MIT
// Internal to firmware/image: TurboJPEG error translation shared by the encoder and decoder.
// Takes the handle as void* (what tjhandle is) so that this header needs no TurboJPEG include.
#pragma once

#include <cstddef>
#include <span>

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

}  // namespace snapstage::image::detail
