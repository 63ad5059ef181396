// SPDX-License-Identifier: MIT
// The DRM/KMS display: frames, page flips on vblank, and the console put back at the end.
#include "hal/linux/display_drm.h"

#include <poll.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include "firmware/util/log.h"
#include "firmware/util/time.h"
#include "hal/linux/display_drm_state.h"

#ifndef SNAPSTAGE_LIBDRM_VERSION
#define SNAPSTAGE_LIBDRM_VERSION "unknown"
#endif

namespace snapstage::hal {
namespace {

constexpr int kFlipTimeoutMs = 1000;

void onFlip(int, unsigned, unsigned, unsigned, void* data) {
    static_cast<DrmDisplay::State*>(data)->flipPending = false;
}

}  // namespace

const char* libdrmVersion() noexcept {
    return SNAPSTAGE_LIBDRM_VERSION;
}

DrmDisplay::DrmDisplay(const DeviceSpec& spec) noexcept : spec_(spec) {}

DrmDisplay::~DrmDisplay() {
    if (s_) restore();
}

Status DrmDisplay::init() {
    auto want = parseDrmRequest(spec_);
    if (!want) return fail(want.error());
    s_.reset(new (std::nothrow) State);
    if (!s_) return fail(Errc::NoMemory, "no memory for the display");
    s_->want = *want;
    SNAPSTAGE_TRY(s_->openCard());
    SNAPSTAGE_TRY(s_->pickOutput());
    SNAPSTAGE_TRY(s_->createBuffers());
    const drmModeModeInfo& m = s_->mode;
    info_.backend = "drm";
    std::snprintf(info_.name, sizeof info_.name, "%.20s %.16s %ux%u@%u", s_->path,
                  s_->connectorName, m.hdisplay, m.vdisplay, m.vrefresh);
    info_.width = m.hdisplay;
    info_.height = m.vdisplay;
    info_.format = s_->want.format;
    info_.pageFlip = true;
    LOG_INFO("drm: %s, stride %u bytes, %s", info_.name, s_->buffers[0].pitch,
             to_string(info_.format));
    return okStatus();
}

Status DrmDisplay::waitFlip(int timeoutMs) noexcept {
    drmEventContext events{};
    events.version = 2;
    events.page_flip_handler = onFlip;
    const int64_t deadline = monotonicMs() + timeoutMs;
    while (s_->flipPending) {
        const int64_t left = deadline - monotonicMs();
        if (left <= 0)
            return failf(Errc::DisplayIo, 0,
                         "%s: a page flip did not complete within %d ms (no vblank: is the "
                         "screen still on?)",
                         info_.name, timeoutMs);
        pollfd p{s_->fd, POLLIN, 0};
        int n = poll(&p, 1, static_cast<int>(left));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failf(Errc::DisplayIo, errno, "%s: %s", info_.name, std::strerror(errno));
        if (n > 0 && drmHandleEvent(s_->fd, &events) != 0)
            return failf(Errc::DisplayIo, errno, "%s: cannot read its events: %s", info_.name,
                         std::strerror(errno));
    }
    return okStatus();
}

Result<DisplayFrame> DrmDisplay::frame() {
    if (!s_ || !s_->buffers[1].map) return fail(Errc::Internal, "display used before init");
    // The buffer leaving the screen is scanned out until its flip completes: wait for that.
    SNAPSTAGE_TRY(waitFlip(kFlipTimeoutMs));
    const DrmBuffer& back = s_->buffers[s_->front == 0 ? 1 : 0];
    return DisplayFrame{back.map, info_.width, info_.height, back.pitch, info_.format};
}

Status DrmDisplay::present() {
    if (!s_ || !s_->buffers[1].map) return fail(Errc::Internal, "display used before init");
    SNAPSTAGE_TRY(waitFlip(kFlipTimeoutMs));  // present() twice without frame() in between
    const int back = s_->front == 0 ? 1 : 0;
    const uint32_t fb = s_->buffers[back].fbId;
    if (s_->front < 0) {
        if (drmModeSetCrtc(s_->fd, s_->crtcId, fb, 0, 0, &s_->connectorId, 1, &s_->mode) != 0)
            return failf(Errc::DisplayIo, errno, "%s: cannot set the mode: %s", info_.name,
                         std::strerror(errno));
    } else {
        if (drmModePageFlip(s_->fd, s_->crtcId, fb, DRM_MODE_PAGE_FLIP_EVENT, s_.get()) != 0)
            return failf(Errc::DisplayIo, errno, "%s: cannot flip: %s", info_.name,
                         std::strerror(errno));
        s_->flipPending = true;
    }
    s_->front = back;
    return okStatus();
}

void DrmDisplay::restore() noexcept {
    if (s_->flipPending) (void)waitFlip(200);
    if (s_->master && s_->front >= 0) {
        const drmModeCrtc* was = s_->saved;
        int rc = 0;
        if (was && was->mode_valid && was->buffer_id) {
            drmModeModeInfo mode = was->mode;
            // Onto the connectors it drove then (the console's), else the one used here.
            const bool same = s_->savedConnectorCount > 0;
            rc = drmModeSetCrtc(s_->fd, was->crtc_id, was->buffer_id, was->x, was->y,
                                same ? s_->savedConnectors : &s_->connectorId,
                                same ? s_->savedConnectorCount : 1, &mode);
        } else {
            rc = drmModeSetCrtc(s_->fd, s_->crtcId, 0, 0, 0, nullptr, 0, nullptr);
        }
        if (rc != 0)
            LOG_WARN("drm: %s: cannot put the console back: %s", info_.name, std::strerror(errno));
    }
    s_.reset();  // frees the buffers, drops master, closes
}

}  // namespace snapstage::hal
