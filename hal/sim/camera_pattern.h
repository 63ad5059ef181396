// SPDX-License-Identifier: MIT
// PatternCamera: a deterministic synthetic scene (colour bars, gradients, a zone plate, fine
// checks and a frame counter), for headless boxes, HIL rigs and tests.
#pragma once

#include <memory>

#include "hal/camera.h"

namespace snapstage::hal {

// Options: width, height (default 1920x1080), format (i420 | nv12 | yuyv | rgb24; default i420).
class PatternCamera final : public Camera {
public:
    explicit PatternCamera(const DeviceSpec& spec) : spec_(spec) {}

    Status init() override;
    Status start() override;
    Result<FrameView> capture(int timeoutMs) override;
    void release(const FrameView& frame) override;
    void stop() override;
    CameraInfo info() const override { return info_; }

private:
    void drawCounter(uint64_t sequence) noexcept;

    DeviceSpec spec_;
    CameraInfo info_;
    std::unique_ptr<std::byte[]> frame_;
    size_t frameBytes_ = 0;
    FrameView view_;
    uint64_t sequence_ = 0;
    bool started_ = false;
    bool lent_ = false;
};

}  // namespace snapstage::hal
