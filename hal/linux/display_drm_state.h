// SPDX-License-Identifier: MIT
// DrmDisplay's private state and set-up steps, shared by its two .cpp files only (it includes
// libdrm's headers, which no other part of snapstage sees).
#pragma once

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <cstddef>
#include <cstdint>

#include "hal/linux/display_drm.h"
#include "hal/linux/drm_mode.h"

namespace snapstage::hal {

struct DrmBuffer {
    uint32_t handle = 0;  // the dumb buffer's GEM handle
    uint32_t fbId = 0;
    uint32_t pitch = 0;  // bytes per line, as the kernel chose
    size_t sizeBytes = 0;
    uint8_t* map = nullptr;
};

struct DrmDisplay::State {
    DrmRequest want;
    int fd = -1;
    char path[32] = {};
    char connectorName[32] = {};
    uint32_t connectorId = 0;
    uint32_t crtcId = 0;
    drmModeModeInfo mode{};
    drmModeCrtc* saved = nullptr;      // the CRTC as it was before init(), put back at the end
    uint32_t savedConnectors[4] = {};  // the connectors it drove then (the console's)
    int savedConnectorCount = 0;
    DrmBuffer buffers[2];
    int front = -1;  // the buffer on screen (or flipping onto it); -1 before the first present
    bool flipPending = false;
    bool master = false;

    ~State();
    // Opens want.device, or the first card with a connected screen; becomes DRM master.
    Status openCard() noexcept;
    // Picks the connector, its mode and a CRTC that can drive it; saves that CRTC's state.
    Status pickOutput() noexcept;
    // Saves the CRTC's state and the connectors it drives now.
    void saveCrtc(const drmModeRes& res) noexcept;
    // Allocates, registers and maps both dumb buffers, cleared to black.
    Status createBuffers() noexcept;
};

}  // namespace snapstage::hal
