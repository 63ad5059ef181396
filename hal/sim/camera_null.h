// SPDX-License-Identifier: MIT
// NullCamera: a camera that is always there and always gives the same mid-grey I420 frame
// (options width and height, default 640x480): headless and test set-ups need no special case.
#pragma once

#include <memory>

#include "hal/camera.h"

namespace snapstage::hal {

class NullCamera final : public Camera {
public:
    explicit NullCamera(const DeviceSpec& spec) noexcept : spec_(spec) {}
    Status init() override;
    Status start() override { return okStatus(); }
    Result<FrameView> capture(int timeoutMs) override;
    void release(const FrameView&) override {}
    void stop() override {}
    CameraInfo info() const override { return info_; }

private:
    DeviceSpec spec_;
    CameraInfo info_;
    std::unique_ptr<std::byte[]> pixels_;
    uint64_t sequence_ = 0;
};

}  // namespace snapstage::hal
