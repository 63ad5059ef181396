// SPDX-License-Identifier: MIT
// DrmDisplay: a screen driven through DRM/KMS (Raspberry Pi OS with vc4-kms-v3d, any KMS
// driver, vkms). Two dumb buffers: the first frame is set with SETCRTC, every later one is a page
// flip on vblank whose completion event is awaited before that buffer is drawn into again, so
// the picture never tears and nothing draws into the buffer being scanned out. libdrm's headers
// stay in the .cpp: this header names none of its types.
#pragma once

#include <memory>

#include "hal/display.h"

namespace snapstage::hal {

// Spec: "drm[:/dev/dri/cardN][,connector=NAME][,width=W,height=H][,refresh=HZ]
// [,format=xrgb8888|rgb565]" (hal/linux/drm_mode.h). Without a device, the first card under
// /dev/dri with a connected screen (on a Raspberry Pi card0 may be the render-only v3d); without
// a connector, the first connected one; without a size, the connector's preferred mode.
//
// init() becomes DRM master (or fails saying which program to stop), saves the CRTC's state and
// allocates both buffers; frame() and present() allocate nothing. The destructor waits for a
// flip in flight, puts the saved CRTC state back (the console returns), frees the buffers and
// drops master. All calls from one thread (the UI's).
class DrmDisplay final : public Display {
public:
    explicit DrmDisplay(const DeviceSpec& spec) noexcept;
    ~DrmDisplay() override;

    // Errors: DisplayOpen (no card, no connected screen, no such mode, another DRM master,
    // no permission), InvalidArgument (a bad option), NoMemory.
    Status init() override;
    DisplayInfo info() const override { return info_; }
    // The back buffer; waits (up to 1 s) for the last flip to complete first. Errors: DisplayIo.
    Result<DisplayFrame> frame() override;
    // Shows the back buffer: SETCRTC the first time, then a page flip on the next vblank (not
    // awaited here: the next frame() waits). Errors: DisplayIo.
    Status present() override;

    struct State;

private:
    Status waitFlip(int timeoutMs) noexcept;
    void restore() noexcept;

    DeviceSpec spec_;
    std::unique_ptr<State> s_;
    DisplayInfo info_;
};

// libdrm's version at build time ("2.4.114"), for --version.
const char* libdrmVersion() noexcept;

}  // namespace snapstage::hal
