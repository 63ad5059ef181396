// SPDX-License-Identifier: MIT
// Inputs from the Linux kernel: a GPIO button through the GPIO character device (uAPI v2: edge
// events, debounce in the kernel where it can, active-low from the board), and keys and touch
// through evdev (a key is the button; a tap anywhere is a tap with its position). A press held
// for long_press_ms (default 800) is a long press.
#pragma once

#include <linux/input.h>

#include "hal/input.h"
#include "hal/linux/v4l2_io.h"

namespace snapstage::hal {

class GpioInput final : public Input {
public:
    // Options: chip (default /dev/gpiochip0; or the argument), line (required), active_low,
    // debounce_ms (default 30), long_press_ms. `io` is the kernel seam (open/ioctl), borrowed.
    explicit GpioInput(const DeviceSpec& spec, V4l2Io& io = SystemV4l2Io::instance()) noexcept;
    ~GpioInput() override;
    Status init() override;
    InputInfo info() const override { return info_; }
    int pollFd() const override { return lineFd_; }
    Result<size_t> read(std::span<InputEvent> out, int64_t nowMs) override;

private:
    DeviceSpec spec_;
    V4l2Io& io_;
    InputInfo info_;
    int chipFd_ = -1;
    int lineFd_ = -1;
    uint32_t line_ = 0;
    uint64_t debounceNs_ = 0;
    uint64_t longNs_ = 0;
    bool softDebounce_ = false;  // the kernel refused its debounce: done here
    uint64_t lastEdgeNs_ = 0;
    uint64_t downNs_ = 0;
    bool down_ = false;
};

class EvdevInput final : public Input {
public:
    // The argument is the device (/dev/input/eventN). Options: long_press_ms.
    explicit EvdevInput(const DeviceSpec& spec, V4l2Io& io = SystemV4l2Io::instance()) noexcept;
    ~EvdevInput() override;
    Status init() override;
    InputInfo info() const override { return info_; }
    int pollFd() const override { return fd_; }
    Result<size_t> read(std::span<InputEvent> out, int64_t nowMs) override;

private:
    void onEvent(const input_event& ev, std::span<InputEvent> out, size_t& n) noexcept;

    DeviceSpec spec_;
    V4l2Io& io_;
    InputInfo info_;
    int fd_ = -1;
    int64_t longMs_ = 800;
    input_absinfo absX_{}, absY_{};
    int32_t x_ = 0, y_ = 0;
    bool touching_ = false;
    int64_t keyDownMs_ = -1;
    int64_t lastNowMs_ = 0;
};

}  // namespace snapstage::hal
