// SPDX-License-Identifier: MIT
// FakeFramebuffer: a /dev/fbN behind hal::V4l2Io (open/ioctl/mmap), its memory a file the test
// can read back, its geometry (size, depth, line stride, virtual height, memory size) set by the
// test, with scripted failures. Models FBIOGET/PUT_VSCREENINFO, FBIOGET_FSCREENINFO,
// FBIOPAN_DISPLAY and FBIO_WAITFORVSYNC as the kernel's fbdev core answers them.
#pragma once

#include <linux/fb.h>

#include <cstdint>
#include <string>

#include "hal/linux/v4l2_io.h"

namespace snapstage::fakes {

struct FakeFbConfig {
    std::string path = "/dev/fb0";
    uint32_t width = 64;
    uint32_t height = 48;
    uint32_t bitsPerPixel = 32;      // 32: XRGB8888, 16: RGB565, else as given (e.g. 8)
    bool redFirst = false;           // 32 bits with red at bit 0 (XBGR8888), as vfb reports
    uint32_t lineLength = 0;         // 0: width * bytes per pixel
    uint32_t memoryBytes = 0;        // 0: two screens
    bool allowVirtualResize = true;  // FBIOPUT_VSCREENINFO may grow yres_virtual
    bool failPan = false;
};

class FakeFramebuffer final : public hal::V4l2Io {
public:
    explicit FakeFramebuffer(const FakeFbConfig& config);
    ~FakeFramebuffer() override;

    int open(const char* path, int flags) noexcept override;
    int close(int fd) noexcept override;
    int ioctl(int fd, unsigned long request, void* arg) noexcept override;
    void* mmap(size_t length, int prot, int flags, int fd, off_t offset) noexcept override;
    int munmap(void* addr, size_t length) noexcept override;
    int poll(pollfd*, nfds_t, int) noexcept override { return 0; }

    // What is on the screen now: the row `y` of the visible half, as mapped.
    const uint8_t* visibleRow(uint32_t y) const noexcept;
    uint32_t yoffset() const noexcept { return var_.yoffset; }
    int pans() const noexcept { return pans_; }
    int openFds() const noexcept { return open_; }
    const std::string& backingFile() const noexcept { return file_; }

private:
    FakeFbConfig config_;
    fb_var_screeninfo var_{};
    fb_fix_screeninfo fix_{};
    std::string file_;
    int backing_ = -1;
    uint8_t* memory_ = nullptr;
    int open_ = 0;
    int pans_ = 0;
};

}  // namespace snapstage::fakes
