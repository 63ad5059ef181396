// SPDX-License-Identifier: MIT
// Pixel formats and ImageView: a borrowed, uncompressed (or MJPEG) image as planes of bytes.
// Shared by the camera HAL (which lends frames) and the image codecs (which read them).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace snapstage {

enum class PixelFormat : uint8_t {
    Unknown,
    Yuyv,   // packed 4:2:2, Y0 U Y1 V
    Nv12,   // planar Y + interleaved UV, 4:2:0
    I420,   // planar Y, U, V, 4:2:0
    Mjpeg,  // one JPEG bitstream (planes[0])
    Rgb24,  // packed R G B
    Bgr24,  // packed B G R
};
const char* to_string(PixelFormat format) noexcept;
// Accepts "yuyv", "nv12", "i420", "mjpeg", "rgb24", "bgr24" (case-insensitive); Unknown otherwise.
PixelFormat parsePixelFormat(std::string_view name) noexcept;

struct Plane {
    std::span<const std::byte> data;  // for Mjpeg: exactly the compressed bytes
    uint32_t strideBytes = 0;         // 0 for Mjpeg
};

// Borrowed planes of one image; the owner says how long they stay valid.
struct ImageView {
    PixelFormat format = PixelFormat::Unknown;
    uint32_t width = 0;
    uint32_t height = 0;
    std::array<Plane, 3> planes{};
    uint8_t planeCount = 0;
};

}  // namespace snapstage
