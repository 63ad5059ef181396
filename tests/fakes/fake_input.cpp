// SPDX-License-Identifier: MIT
// Fake GPIO chip and evdev device.
#include "tests/fakes/fake_input.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <algorithm>

#include <cerrno>
#include <cstring>

namespace snapstage::fakes {
namespace {
constexpr int kChipFd = 91;
}

FakeGpioChip::FakeGpioChip(const FakeGpioConfig& config) : config_(config) {}

FakeGpioChip::~FakeGpioChip() {
    if (writeFd_ >= 0) ::close(writeFd_);
}

int FakeGpioChip::open(const char* path, int) noexcept {
    if (config_.chip != path) {
        errno = ENOENT;
        return -1;
    }
    return kChipFd;
}

int FakeGpioChip::close(int fd) noexcept {
    return fd == kChipFd ? 0 : -1;
}

void* FakeGpioChip::mmap(size_t, int, int, int, off_t) noexcept {
    errno = ENODEV;
    return MAP_FAILED;
}

int FakeGpioChip::ioctl(int fd, unsigned long request, void* arg) noexcept {
    if (fd != kChipFd || request != GPIO_V2_GET_LINE_IOCTL) {
        errno = ENOTTY;
        return -1;
    }
    auto* req = static_cast<gpio_v2_line_request*>(arg);
    ++requests_;
    if (req->num_lines != 1 || req->offsets[0] >= config_.lines) {
        errno = EINVAL;
        return -1;
    }
    if (config_.busy) {
        errno = EBUSY;
        return -1;
    }
    if (!config_.kernelDebounce && req->config.num_attrs > 0) {
        errno = EINVAL;
        return -1;
    }
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return -1;
    request_ = *req;
    writeFd_ = p[1];
    req->fd = p[0];  // the backend owns the read end and closes it
    return 0;
}

void FakeGpioChip::edge(bool active, uint64_t ms) {
    gpio_v2_line_event e{};
    e.timestamp_ns = ms * 1000000;
    e.id = active ? GPIO_V2_LINE_EVENT_RISING_EDGE : GPIO_V2_LINE_EVENT_FALLING_EDGE;
    e.offset = request_.offsets[0];
    e.seqno = ++seqno_;
    e.line_seqno = seqno_;
    (void)!::write(writeFd_, &e, sizeof e);
}

FakeEvdev::FakeEvdev(const FakeEvdevConfig& config) : config_(config) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0) {
        readFd_ = p[0];
        writeFd_ = p[1];
    }
}

FakeEvdev::~FakeEvdev() {
    if (readFd_ >= 0) ::close(readFd_);
    if (writeFd_ >= 0) ::close(writeFd_);
}

int FakeEvdev::open(const char* path, int) noexcept {
    if (config_.path != path) {
        errno = ENOENT;
        return -1;
    }
    return readFd_;
}

int FakeEvdev::close(int fd) noexcept {
    return fd == readFd_ ? 0 : -1;
}

void* FakeEvdev::mmap(size_t, int, int, int, off_t) noexcept {
    errno = ENODEV;
    return MAP_FAILED;
}

int FakeEvdev::ioctl(int fd, unsigned long request, void* arg) noexcept {
    if (fd != readFd_) {
        errno = EBADF;
        return -1;
    }
    if (_IOC_TYPE(request) == 'E' && _IOC_NR(request) == _IOC_NR(EVIOCGNAME(0))) {
        size_t cap = _IOC_SIZE(request);
        std::strncpy(static_cast<char*>(arg), config_.name.c_str(), cap);
        return static_cast<int>(std::min(cap, config_.name.size()));
    }
    if (request == EVIOCGABS(ABS_X)) {
        std::memcpy(arg, &config_.absX, sizeof config_.absX);
        return 0;
    }
    if (request == EVIOCGABS(ABS_Y)) {
        std::memcpy(arg, &config_.absY, sizeof config_.absY);
        return 0;
    }
    errno = ENOTTY;
    return -1;
}

void FakeEvdev::send(uint16_t type, uint16_t code, int32_t value) {
    input_event e{};
    e.type = type;
    e.code = code;
    e.value = value;
    (void)!::write(writeFd_, &e, sizeof e);
}

void FakeEvdev::touch(int32_t x, int32_t y) {
    send(EV_ABS, ABS_X, x);
    send(EV_ABS, ABS_Y, y);
    send(EV_KEY, BTN_TOUCH, 1);
    sync();
    send(EV_KEY, BTN_TOUCH, 0);
    sync();
}

}  // namespace snapstage::fakes
