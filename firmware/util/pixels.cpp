// SPDX-License-Identifier: MIT
// Pixel format names.
#include "firmware/util/pixels.h"

#include <strings.h>

#include <cstring>

namespace snapstage {

const char* to_string(PixelFormat format) noexcept {
    switch (format) {
        case PixelFormat::Yuyv:
            return "yuyv";
        case PixelFormat::Nv12:
            return "nv12";
        case PixelFormat::I420:
            return "i420";
        case PixelFormat::Mjpeg:
            return "mjpeg";
        case PixelFormat::Rgb24:
            return "rgb24";
        case PixelFormat::Bgr24:
            return "bgr24";
        case PixelFormat::Unknown:
            break;
    }
    return "unknown";
}

PixelFormat parsePixelFormat(std::string_view name) noexcept {
    for (auto f : {PixelFormat::Yuyv, PixelFormat::Nv12, PixelFormat::I420, PixelFormat::Mjpeg,
                   PixelFormat::Rgb24, PixelFormat::Bgr24}) {
        const char* n = to_string(f);
        if (name.size() == std::strlen(n) && strncasecmp(name.data(), n, name.size()) == 0)
            return f;
    }
    return PixelFormat::Unknown;
}

}  // namespace snapstage
