// SPDX-License-Identifier: MIT
// FileCamera: replays a JPEG or binary PPM file, or every such file of a folder in name order
// (looping), as camera frames at each image's own size. JPEGs are lent as Mjpeg frames (as a
// USB camera in MJPEG mode would), PPMs as Rgb24.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hal/camera.h"

namespace snapstage::hal {

class FileCamera final : public Camera {
public:
    explicit FileCamera(const DeviceSpec& spec) : spec_(spec) {}

    Status init() override;
    Status start() override;
    Result<FrameView> capture(int timeoutMs) override;
    void release(const FrameView& frame) override;
    void stop() override;
    CameraInfo info() const override { return info_; }

private:
    Status loadInto(const std::string& path, FrameView& view) noexcept;

    DeviceSpec spec_;
    CameraInfo info_;
    std::vector<std::string> files_;
    std::unique_ptr<std::byte[]> buffer_;
    size_t capacity_ = 0;
    size_t next_ = 0;
    uint64_t sequence_ = 0;
    bool started_ = false;
    bool lent_ = false;
};

}  // namespace snapstage::hal
