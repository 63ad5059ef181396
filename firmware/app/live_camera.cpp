// SPDX-License-Identifier: MIT
// The kiosk's streamed camera.
#include "firmware/app/live_camera.h"

#include <algorithm>

namespace snapstage::app {

void LiveCamera::reset(std::unique_ptr<hal::Camera> camera, uint32_t previewFps) noexcept {
    stop();
    camera_ = std::move(camera);
    fps_ = previewFps;
}

Status LiveCamera::start(int64_t nowMs) noexcept {
    dueMs_ = nowMs;
    if (streaming_) return okStatus();
    SNAPSTAGE_TRY(camera_->start());
    streaming_ = true;
    return okStatus();
}

void LiveCamera::stop() noexcept {
    if (streaming_) camera_->stop();
    streaming_ = false;
}

Result<hal::FrameLease> LiveCamera::newest(int timeoutMs) noexcept {
    auto first = camera_->lease(timeoutMs);
    if (!first) return fail(first.error());
    hal::FrameLease frame = std::move(*first);
    // Frames that waited in the queue show the scene as it was. A camera of one buffer refuses
    // a second loan, which ends the loop too.
    for (uint32_t i = 0; i < camera_->info().bufferCount; ++i) {
        auto next = camera_->lease(0);
        if (!next) break;
        frame = std::move(*next);
    }
    return frame;
}

int64_t LiveCamera::waitMs(int64_t nowMs) const noexcept {
    if (!live()) return INT64_MAX;
    return std::max<int64_t>(0, dueMs_ - nowMs);
}

}  // namespace snapstage::app
