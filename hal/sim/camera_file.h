// SPDX-License-Identifier: MIT
// FileCamera: replays a JPEG or binary PPM file, or every such file of a folder in name order
// (looping), as camera frames at each image's own size. JPEGs are lent as Mjpeg frames (as a
// USB camera in MJPEG mode would), PPMs as Rgb24. Frames are lent straight from a read-only
// memory map of the file, as a V4L2 camera lends its mmap buffers: nothing is copied.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "firmware/util/pages.h"
#include "hal/camera.h"

namespace snapstage::hal {

class FileCamera final : public Camera {
public:
    explicit FileCamera(const DeviceSpec& spec) : spec_(spec) {}
    ~FileCamera() override;

    // Errors as Camera::init(), and CameraOpen naming anything that is not a regular file or a
    // folder of them (a FIFO, a device, a socket): those are refused, never opened blocking.
    Status init() override;
    Status start() override;
    // Maps the next file (kept mapped while it is unchanged: same inode, size and mtime) and
    // lends it. Another process truncating the file while a frame is lent raises SIGBUS, as
    // with any mapped file; replace files by rename instead.
    Result<FrameView> capture(int timeoutMs) override;
    void release(const FrameView& frame) override;
    void stop() override;
    CameraInfo info() const override { return info_; }

private:
    // The read-only mapping of one file and the identity it was made from.
    struct Mapping {
        MappedFile file;
        dev_t device = 0;
        ino_t inode = 0;
        timespec modified{};
        void unmap() noexcept {
            file.release();
            device = 0;
            inode = 0;
            modified = {};
        }
    };

    Status mapFile(const std::string& path) noexcept;
    Status loadInto(const std::string& path, FrameView& view) noexcept;

    DeviceSpec spec_;
    CameraInfo info_;
    std::vector<std::string> files_;
    Mapping map_;
    size_t next_ = 0;
    uint64_t sequence_ = 0;
    bool ready_ = false;
    bool started_ = false;
    bool lent_ = false;
};

}  // namespace snapstage::hal
