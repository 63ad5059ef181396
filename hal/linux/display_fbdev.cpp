// SPDX-License-Identifier: MIT
// The Linux framebuffer display.
#include "hal/linux/display_fbdev.h"

#include <fcntl.h>
#include <linux/fb.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace snapstage::hal {

FbdevDisplay::FbdevDisplay(const DeviceSpec& spec, V4l2Io& io) noexcept : spec_(spec), io_(io) {}

FbdevDisplay::~FbdevDisplay() {
    if (map_) io_.munmap(map_, mapBytes_);
    if (fd_ >= 0) io_.close(fd_);
}

Status FbdevDisplay::enablePanning(unsigned xres, unsigned yres) noexcept {
    fb_var_screeninfo var{};
    if (io_.ioctl(fd_, FBIOGET_VSCREENINFO, &var) != 0) return fail(Errc::DisplayIo, "");
    if (var.yres_virtual < 2 * yres) {
        var.yres_virtual = 2 * yres;
        var.xres_virtual = xres;
        if (io_.ioctl(fd_, FBIOPUT_VSCREENINFO, &var) != 0) return fail(Errc::NotSupported, "");
        if (io_.ioctl(fd_, FBIOGET_VSCREENINFO, &var) != 0 || var.yres_virtual < 2 * yres)
            return fail(Errc::NotSupported, "");
    }
    return okStatus();
}

Status FbdevDisplay::init() {
    const char* path = spec_.argument.empty() ? "/dev/fb0" : spec_.argument.c_str();
    info_.backend = "fbdev";
    std::snprintf(info_.name, sizeof info_.name, "%s", path);
    fd_ = io_.open(path, O_RDWR | O_CLOEXEC);
    if (fd_ < 0) {
        int err = errno;
        return failf(Errc::DisplayOpen, err, "cannot open the framebuffer %s: %s%s", path,
                     std::strerror(err), err == EACCES ? " (add the user to the video group)" : "");
    }
    fb_var_screeninfo var{};
    fb_fix_screeninfo fix{};
    if (io_.ioctl(fd_, FBIOGET_VSCREENINFO, &var) != 0 ||
        io_.ioctl(fd_, FBIOGET_FSCREENINFO, &fix) != 0)
        return failf(Errc::DisplayOpen, errno, "%s is not a framebuffer device", path);
    if (var.bits_per_pixel == 32 && var.red.offset == 16 && var.blue.offset == 0) {
        info_.format = DisplayFormat::Xrgb8888;
    } else if (var.bits_per_pixel == 32 && var.red.offset == 0 && var.blue.offset == 16) {
        info_.format = DisplayFormat::Xbgr8888;
    } else if (var.bits_per_pixel == 16 && var.red.offset == 11 && var.blue.offset == 0) {
        info_.format = DisplayFormat::Rgb565;
    } else {
        return failf(Errc::DisplayOpen, 0,
                     "%s: %u bits per pixel (red at bit %u) is not a format snapstage draws: "
                     "set 32 (XRGB8888) or 16 (RGB565) bits, e.g. fbset -depth 32",
                     path, var.bits_per_pixel, var.red.offset);
    }
    info_.width = var.xres;
    info_.height = var.yres;
    bool flip = enablePanning(var.xres, var.yres).ok();
    if (io_.ioctl(fd_, FBIOGET_FSCREENINFO, &fix) != 0)
        return failf(Errc::DisplayOpen, errno, "%s: cannot read its geometry", path);
    stride_ = fix.line_length;
    size_t screen = static_cast<size_t>(stride_) * var.yres;
    flip = flip && fix.smem_len >= 2 * screen;
    mapBytes_ = flip ? 2 * screen : screen;
    if (fix.smem_len < screen)
        return failf(Errc::DisplayOpen, 0, "%s: its memory (%u bytes) is smaller than one screen",
                     path, fix.smem_len);
    void* m = io_.mmap(mapBytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (m == MAP_FAILED) return failf(Errc::DisplayOpen, errno, "%s: cannot map it", path);
    map_ = static_cast<uint8_t*>(m);
    info_.pageFlip = flip;
    if (!flip) {
        back_.reset(new (std::nothrow) uint8_t[screen]);
        if (!back_) return fail(Errc::NoMemory, "no memory for the display's back buffer");
    }
    return okStatus();
}

Result<DisplayFrame> FbdevDisplay::frame() {
    if (!map_) return fail(Errc::Internal, "display used before init");
    uint8_t* pixels = info_.pageFlip
                          ? map_ + static_cast<size_t>(stride_) * info_.height * (1 - shown_)
                          : back_.get();
    return DisplayFrame{pixels, info_.width, info_.height, stride_, info_.format};
}

Status FbdevDisplay::present() {
    if (!map_) return fail(Errc::Internal, "display used before init");
    if (!info_.pageFlip) {
        std::memcpy(map_, back_.get(), static_cast<size_t>(stride_) * info_.height);
        return okStatus();
    }
    fb_var_screeninfo var{};
    if (io_.ioctl(fd_, FBIOGET_VSCREENINFO, &var) != 0)
        return failf(Errc::DisplayIo, errno, "%s: %s", info_.name, std::strerror(errno));
    var.yoffset = (1 - shown_) * info_.height;
    if (io_.ioctl(fd_, FBIOPAN_DISPLAY, &var) != 0)
        return failf(Errc::DisplayIo, errno, "%s: cannot flip: %s", info_.name,
                     std::strerror(errno));
    uint32_t screen = 0;
    (void)io_.ioctl(fd_, FBIO_WAITFORVSYNC, &screen);  // not every driver has it
    shown_ = 1 - shown_;
    return okStatus();
}

}  // namespace snapstage::hal
