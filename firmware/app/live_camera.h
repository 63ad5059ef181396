// SPDX-License-Identifier: MIT
// LiveCamera: the kiosk's one open camera, streamed for the ready screen's live preview and for
// the photo. It stays started from the ready screen to the shot (the photo comes from the same
// stream, no re-open), lends the newest frame (not one that waited in the queue), and paces the
// preview so that the main loop reads input between its frames. All calls from the kiosk's main
// thread; nothing is allocated after reset().
#pragma once

#include <cstdint>
#include <memory>

#include "hal/camera.h"

namespace snapstage::app {

class LiveCamera {
public:
    // Takes the initialised camera; `previewFps` 0 means no live preview.
    void reset(std::unique_ptr<hal::Camera> camera, uint32_t previewFps) noexcept;
    hal::Camera& camera() noexcept { return *camera_; }
    uint32_t previewFps() const noexcept { return fps_; }
    bool streaming() const noexcept { return streaming_; }
    // Streaming with a preview to show.
    bool live() const noexcept { return streaming_ && fps_; }

    // Starts streaming unless it is; a preview frame is due at once. Errors: the camera's start().
    Status start(int64_t nowMs) noexcept;
    // Stops streaming (every lent frame must be given back first).
    void stop() noexcept;

    // The newest frame: waits up to `timeoutMs` for one, then gives back each frame for a newer
    // one that already waited in the camera's queue. Errors as Camera::capture().
    Result<hal::FrameLease> newest(int timeoutMs) noexcept;

    // Preview pacing, in monotonic ms: whether a frame is due, how long the loop may wait for
    // the next, and what happened to the last try (shown: the next in 1/fps s; none ready yet:
    // look again in a few ms).
    bool due(int64_t nowMs) const noexcept { return live() && nowMs >= dueMs_; }
    int64_t waitMs(int64_t nowMs) const noexcept;
    void shown(int64_t nowMs) noexcept { dueMs_ = nowMs + 1000 / fps_; }
    void notYet(int64_t nowMs) noexcept { dueMs_ = nowMs + kRetryMs; }

private:
    static constexpr int64_t kRetryMs = 5;
    std::unique_ptr<hal::Camera> camera_;
    uint32_t fps_ = 0;
    bool streaming_ = false;
    int64_t dueMs_ = 0;
};

}  // namespace snapstage::app
