// SPDX-License-Identifier: MIT
// Fakes of the kernel's input interfaces behind hal::V4l2Io: a GPIO chip (the v2 line request,
// then edge events read from the line's descriptor) and an evdev device (EVIOCGNAME, EVIOCGABS,
// then input_event records). Events are written by the test into a pipe whose read end is the
// descriptor the backend reads, exactly as it reads the kernel's.
#pragma once

#include <linux/gpio.h>
#include <linux/input.h>

#include <cstdint>
#include <string>

#include "hal/linux/v4l2_io.h"

namespace snapstage::fakes {

struct FakeGpioConfig {
    std::string chip = "/dev/gpiochip0";
    uint32_t lines = 8;
    bool kernelDebounce = true;  // false: a debounce attribute is refused with EINVAL
    bool busy = false;           // the line is held by another program (EBUSY)
};

class FakeGpioChip final : public hal::V4l2Io {
public:
    explicit FakeGpioChip(const FakeGpioConfig& config);
    ~FakeGpioChip() override;
    int open(const char* path, int flags) noexcept override;
    int close(int fd) noexcept override;
    int ioctl(int fd, unsigned long request, void* arg) noexcept override;
    void* mmap(size_t, int, int, int, off_t) noexcept override;
    int munmap(void*, size_t) noexcept override { return 0; }
    int poll(pollfd*, nfds_t, int) noexcept override { return 0; }

    // An edge on the requested line (active = rising, after active-low inversion), at `ms`.
    void edge(bool active, uint64_t ms);
    const gpio_v2_line_request& request() const noexcept { return request_; }
    int requests() const noexcept { return requests_; }

private:
    FakeGpioConfig config_;
    gpio_v2_line_request request_{};
    int requests_ = 0;
    int writeFd_ = -1;
    uint32_t seqno_ = 0;
};

struct FakeEvdevConfig {
    std::string path = "/dev/input/event0";
    std::string name = "Fake Touch Panel";
    input_absinfo absX{0, 0, 4095, 0, 0, 0};
    input_absinfo absY{0, 0, 4095, 0, 0, 0};
};

class FakeEvdev final : public hal::V4l2Io {
public:
    explicit FakeEvdev(const FakeEvdevConfig& config);
    ~FakeEvdev() override;
    int open(const char* path, int flags) noexcept override;
    int close(int fd) noexcept override;
    int ioctl(int fd, unsigned long request, void* arg) noexcept override;
    void* mmap(size_t, int, int, int, off_t) noexcept override;
    int munmap(void*, size_t) noexcept override { return 0; }
    int poll(pollfd*, nfds_t, int) noexcept override { return 0; }

    void send(uint16_t type, uint16_t code, int32_t value);
    void key(uint16_t code, bool down) { send(EV_KEY, code, down ? 1 : 0), sync(); }
    void touch(int32_t x, int32_t y);  // down at (x, y), then up
    void sync() { send(EV_SYN, SYN_REPORT, 0); }

private:
    FakeEvdevConfig config_;
    int readFd_ = -1;
    int writeFd_ = -1;
};

}  // namespace snapstage::fakes
