// SPDX-License-Identifier: MIT
// FbdevDisplay: a Linux framebuffer (/dev/fbN). XRGB8888 and RGB565, any line stride. Where the
// driver lets the virtual screen be twice as tall, the two halves are flipped by panning
// (FBIOPAN_DISPLAY, then FBIO_WAITFORVSYNC where offered): no tearing and no copy. Otherwise
// frames are drawn into a back buffer in memory and copied to the screen by present().
#pragma once

#include <memory>

#include "hal/display.h"
#include "hal/linux/v4l2_io.h"

namespace snapstage::hal {

class FbdevDisplay final : public Display {
public:
    // Options: none; the argument is the device (default /dev/fb0). `io` is the kernel seam
    // (open/ioctl/mmap: the same calls the V4L2 camera makes), borrowed.
    explicit FbdevDisplay(const DeviceSpec& spec, V4l2Io& io = SystemV4l2Io::instance()) noexcept;
    ~FbdevDisplay() override;

    Status init() override;
    DisplayInfo info() const override { return info_; }
    Result<DisplayFrame> frame() override;
    Status present() override;

private:
    Status enablePanning(unsigned xres, unsigned yres) noexcept;

    DeviceSpec spec_;
    V4l2Io& io_;
    int fd_ = -1;
    uint8_t* map_ = nullptr;
    size_t mapBytes_ = 0;
    uint32_t stride_ = 0;
    uint32_t shown_ = 0;               // which half is on screen (page flipping)
    std::unique_ptr<uint8_t[]> back_;  // without page flipping
    DisplayInfo info_;
};

}  // namespace snapstage::hal
