// SPDX-License-Identifier: MIT
// The DRM display's choices that need no device: its spec options read into a request, and the
// mode picked from a connector's list. Pure functions over plain values, so that they are tested
// without libdrm or a screen (the backend itself is hal/linux/display_drm.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "firmware/util/result.h"
#include "hal/display.h"
#include "hal/spec.h"

namespace snapstage::hal {

// What the spec asks for. Zero (or empty) means "the device's own choice".
struct DrmRequest {
    std::string device;     // "/dev/dri/cardN"; empty: the first card that can drive a screen
    std::string connector;  // "HDMI-A-1"; empty: the first connected connector
    uint32_t width = 0;     // both or neither
    uint32_t height = 0;
    uint32_t refreshHz = 0;
    DisplayFormat format = DisplayFormat::Xrgb8888;  // Xrgb8888 or Rgb565
};

// Reads "drm[:/dev/dri/cardN][,connector=NAME][,width=W,height=H][,refresh=HZ]
// [,format=xrgb8888|rgb565]". Errors: InvalidArgument naming the option (width without height,
// an unknown format, a number out of range).
Result<DrmRequest> parseDrmRequest(const DeviceSpec& spec) noexcept;

// One mode of a connector, as the kernel lists it (preferred mode flagged).
struct DrmModeCandidate {
    uint32_t width = 0;
    uint32_t height = 0;
    uint32_t refreshHz = 0;
    bool preferred = false;
    bool interlaced = false;
};

// The index of the mode to set: without a size, the preferred mode (else the first listed, which
// the kernel sorts largest first); with a size, a mode of exactly that size (the preferred one
// if it is that size, else the highest refresh); with a refresh, only modes of that refresh.
// Interlaced modes are never chosen. Errors: DisplayOpen naming the connector and listing the
// sizes it has ("HDMI-A-1 has no 800x600 mode (it has: 1920x1080@60, 1280x720@60)").
Result<size_t> chooseDrmMode(std::span<const DrmModeCandidate> modes, const DrmRequest& want,
                             const char* connectorName) noexcept;

}  // namespace snapstage::hal
