// SPDX-License-Identifier: MIT
// A file-backed fake framebuffer device.
#include "tests/fakes/fake_fb.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace snapstage::fakes {
namespace {
constexpr int kFd = 77;
}

FakeFramebuffer::FakeFramebuffer(const FakeFbConfig& config) : config_(config) {
    uint32_t bpp = config.bitsPerPixel;
    var_.xres = var_.xres_virtual = config.width;
    var_.yres = var_.yres_virtual = config.height;
    var_.bits_per_pixel = bpp;
    if (bpp == 32) {
        var_.red = {config.redFirst ? 0u : 16u, 8, 0};
        var_.green = {8, 8, 0};
        var_.blue = {config.redFirst ? 16u : 0u, 8, 0};
    } else if (bpp == 16) {
        var_.red = {11, 5, 0};
        var_.green = {5, 6, 0};
        var_.blue = {0, 5, 0};
    }
    fix_.line_length = config.lineLength ? config.lineLength : config.width * (bpp / 8);
    fix_.smem_len = config.memoryBytes ? config.memoryBytes : 2 * fix_.line_length * config.height;
    std::strncpy(fix_.id, "fakefb", sizeof fix_.id - 1);
    char tmpl[] = "/tmp/snapstage-fakefb-XXXXXX";
    backing_ = ::mkstemp(tmpl);
    file_ = tmpl;
    if (backing_ >= 0 && ::ftruncate(backing_, fix_.smem_len) == 0)
        memory_ = static_cast<uint8_t*>(
            ::mmap(nullptr, fix_.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, backing_, 0));
}

FakeFramebuffer::~FakeFramebuffer() {
    if (memory_ && memory_ != MAP_FAILED) ::munmap(memory_, fix_.smem_len);
    if (backing_ >= 0) ::close(backing_);
    ::unlink(file_.c_str());
}

int FakeFramebuffer::open(const char* path, int) noexcept {
    if (config_.path != path) {
        errno = ENOENT;
        return -1;
    }
    ++open_;
    return kFd;
}

int FakeFramebuffer::close(int fd) noexcept {
    if (fd != kFd) return -1;
    --open_;
    return 0;
}

int FakeFramebuffer::ioctl(int fd, unsigned long request, void* arg) noexcept {
    if (fd != kFd) {
        errno = EBADF;
        return -1;
    }
    switch (request) {
        case FBIOGET_VSCREENINFO:
            std::memcpy(arg, &var_, sizeof var_);
            return 0;
        case FBIOGET_FSCREENINFO:
            std::memcpy(arg, &fix_, sizeof fix_);
            return 0;
        case FBIOPUT_VSCREENINFO: {
            auto* v = static_cast<fb_var_screeninfo*>(arg);
            if (!config_.allowVirtualResize ||
                static_cast<size_t>(v->yres_virtual) * fix_.line_length > fix_.smem_len) {
                errno = EINVAL;
                return -1;
            }
            var_.yres_virtual = v->yres_virtual;
            return 0;
        }
        case FBIOPAN_DISPLAY: {
            auto* v = static_cast<fb_var_screeninfo*>(arg);
            if (config_.failPan || v->yoffset + var_.yres > var_.yres_virtual) {
                errno = EINVAL;
                return -1;
            }
            var_.yoffset = v->yoffset;
            ++pans_;
            return 0;
        }
        case FBIO_WAITFORVSYNC:
            return 0;
        default:
            errno = ENOTTY;
            return -1;
    }
}

void* FakeFramebuffer::mmap(size_t length, int, int, int fd, off_t offset) noexcept {
    if (fd != kFd || offset != 0 || length > fix_.smem_len || !memory_) {
        errno = EINVAL;
        return MAP_FAILED;
    }
    return memory_;
}

int FakeFramebuffer::munmap(void*, size_t) noexcept {
    return 0;
}

const uint8_t* FakeFramebuffer::visibleRow(uint32_t y) const noexcept {
    return memory_ + static_cast<size_t>(var_.yoffset + y) * fix_.line_length;
}

}  // namespace snapstage::fakes
