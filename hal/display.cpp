// SPDX-License-Identifier: MIT
// Display format names: part of the display interface, so that every backend (the simulated
// ones, fbdev, drm) links them from the interface library rather than from another backend.
#include "hal/display.h"

namespace snapstage::hal {

const char* to_string(DisplayFormat f) noexcept {
    return f == DisplayFormat::Rgb565     ? "rgb565"
           : f == DisplayFormat::Xbgr8888 ? "xbgr8888"
                                          : "xrgb8888";
}

}  // namespace snapstage::hal
