// SPDX-License-Identifier: MIT
// TurboJPEG error translation and buffer sizes.
#include "firmware/image/turbojpeg_support.h"

#include <turbojpeg.h>

#include <string_view>

#include "firmware/image/planar.h"

namespace snapstage::image::detail {

const char* tjLastMessage(void* handle) noexcept {
    const char* message = tjGetErrorStr2(handle);
    return message ? message : "no message";
}

// tjGetErrorCode() says TJERR_WARNING whenever a warning was raised during the call, even when a
// fatal error followed it (the output is then incomplete). A fatal error always overwrites the
// message with its own, so the message tells them apart: these are libjpeg's warning texts
// (JWRN_* in jerror.h, unchanged since libjpeg 6b).
// Truncated data gives "Premature end of JPEG file" (the rest is filled in grey); USB cameras
// often give "Corrupt JPEG data: N extraneous bytes before marker".
constexpr std::string_view kWarningPrefixes[] = {
    "Corrupt JPEG data",
    "Premature end of JPEG file",
    "Warning: unknown JFIF revision",
    "Invalid SOS parameters for sequential JPEG",
    "Inconsistent progression sequence",
    "Unknown Adobe color transform code",
    "Application transferred too many scanlines",
};

bool tjLastWasWarning(void* handle) noexcept {
    if (tjGetErrorCode(handle) != TJERR_WARNING) return false;
    const std::string_view message = tjLastMessage(handle);
    for (std::string_view prefix : kWarningPrefixes)
        if (message.starts_with(prefix)) return true;
    return false;
}

Failure tjFailure(void* handle, Errc code, const char* what) noexcept {
    return failf(code, -1, "%s: %s", what, tjLastMessage(handle));
}

namespace {

// Puts a decompressor back in its start state without decoding anything: tjDecompress2() with
// no data fails its argument check and then, on its way out, calls jpeg_abort_decompress().
void resetDecompressor(void* handle) noexcept {
    tjDecompress2(handle, nullptr, 0, nullptr, 0, 0, 0, TJPF_RGB, 0);
}

}  // namespace

Result<JpegHeader> tjReadHeader(void* handle, std::span<const std::byte> jpeg,
                                const char* what) noexcept {
    if (jpeg.empty()) return failf(Errc::JpegDecode, 0, "%s: no data (0 bytes)", what);
    JpegHeader h;
    if (tjDecompressHeader3(handle, reinterpret_cast<const unsigned char*>(jpeg.data()),
                            static_cast<unsigned long>(jpeg.size()), &h.width, &h.height,
                            &h.subsampling, &h.colorspace) != 0 &&
        !tjLastWasWarning(handle)) {
        Failure f = tjFailure(handle, Errc::JpegDecode, what);
        resetDecompressor(handle);
        return f;
    }
    // TurboJPEG 2.1 returns 0 without a size for a tables-only stream (a truncated file too).
    if (h.width <= 0 || h.height <= 0)
        return failf(Errc::JpegDecode, 0, "%s: no image in the data (truncated?)", what);
    return h;
}

size_t tjYuvPlanesBytes(uint32_t w, uint32_t h, int samp) noexcept {
    size_t total = 0;
    const int components = samp == TJSAMP_GRAY ? 1 : 3;
    for (int c = 0; c < components; ++c) {
        const unsigned long n =
            tjPlaneSizeYUV(c, static_cast<int>(w), 0, static_cast<int>(h), samp);
        if (n == static_cast<unsigned long>(-1)) return 0;
        total += n;
    }
    return total;
}

size_t tjScratchBytes(uint32_t w, uint32_t h) noexcept {
    size_t worst = size_t{w} * h * 2;
    for (int samp = 0; samp < TJ_NUMSAMP; ++samp) {
        const size_t n = tjYuvPlanesBytes(w, h, samp);
        if (n == 0) return 0;
        worst = n > worst ? n : worst;
    }
    return worst;
}

const unsigned char* tjPaddedLuma(const ImageView& frame, int samp, unsigned char* spare,
                                  int& stride) noexcept {
    const Plane& y = frame.planes[0];
    const auto* bytes = reinterpret_cast<const unsigned char*>(y.data.data());
    const auto pw = static_cast<uint32_t>(tjPlaneWidth(0, static_cast<int>(frame.width), samp));
    const auto ph = static_cast<uint32_t>(tjPlaneHeight(0, static_cast<int>(frame.height), samp));
    if (y.strideBytes >= pw && y.data.size() >= size_t{y.strideBytes} * (ph - 1) + pw) {
        stride = static_cast<int>(y.strideBytes);
        return bytes;
    }
    copyPadded(bytes, y.strideBytes, frame.width, frame.height, spare, pw, ph);
    stride = static_cast<int>(pw);
    return spare;
}

}  // namespace snapstage::image::detail
