// SPDX-License-Identifier: MIT
// hal::Display: the display interface. A display lends its back buffer as a DisplayFrame to draw
// into, then presents it (a page flip on vblank where the device has one): no copy of the
// drawing in between where the hardware allows.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "firmware/util/result.h"
#include "hal/backend_info.h"
#include "hal/spec.h"

namespace snapstage::hal {

enum class DisplayFormat : uint8_t {
    Xrgb8888,  // 32 bits: B, G, R, X bytes in memory (little-endian 0x00RRGGBB)
    Xbgr8888,  // 32 bits: R, G, B, X bytes in memory (vfb and some panels)
    Rgb565,    // 16 bits: little-endian RRRRRGGG GGGBBBBB
};
const char* to_string(DisplayFormat f) noexcept;

// The back buffer, lent until present() (or the next frame()).
struct DisplayFrame {
    uint8_t* pixels = nullptr;
    uint32_t width = 0;
    uint32_t height = 0;
    uint32_t strideBytes = 0;
    DisplayFormat format = DisplayFormat::Xrgb8888;
};

struct DisplayInfo {
    const char* backend = "";  // static literal: "null", "file", "fbdev", "drm"
    char name[64] = {};        // device, driver or folder
    uint32_t width = 0;
    uint32_t height = 0;
    DisplayFormat format = DisplayFormat::Xrgb8888;
    bool pageFlip = false;  // present() swaps buffers rather than copying
};

// One display. Call order: init() once, then frame() / present() any number of times. All calls
// from one thread (the UI's, the main thread).
class Display {
public:
    virtual ~Display() = default;
    Display(const Display&) = delete;
    Display& operator=(const Display&) = delete;

    // Opens the device, picks the mode, allocates or maps every buffer.
    // Errors: DisplayOpen (missing, no permission, unsupported format), NoMemory.
    virtual Status init() = 0;
    virtual DisplayInfo info() const = 0;
    // The buffer to draw the next picture into. Its content is undefined: draw it all.
    virtual Result<DisplayFrame> frame() = 0;
    // Shows what was drawn. Errors: DisplayIo.
    virtual Status present() = 0;

protected:
    Display() = default;
};

// Builds the backend named by spec.backend: "null", "file", "fbdev" or "drm" (where libdrm was
// found at build time). Errors: NotSupported listing the known ones (or saying that drm was left
// out), InvalidArgument for a bad option.
Result<std::unique_ptr<Display>> makeDisplay(const DeviceSpec& spec) noexcept;
const char* displayBackends() noexcept;
// "libdrm 2.4.114" when the drm backend is built, else "" (--version).
const char* displayLibraries() noexcept;
// The display backends of this build with their options (config check, --version).
std::span<const BackendInfo> displayBackendTable() noexcept;

}  // namespace snapstage::hal
