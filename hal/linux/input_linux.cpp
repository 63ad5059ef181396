// SPDX-License-Identifier: MIT
// GPIO and evdev inputs.
#include "hal/linux/input_linux.h"

#include <fcntl.h>
#include <linux/gpio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace snapstage::hal {
namespace {

Failure openFailure(const char* what, const char* path, int err) {
    return failf(Errc::InputOpen, err, "cannot open the %s %s: %s%s", what, path,
                 std::strerror(err),
                 err == EACCES ? " (add the user to the gpio or input group)" : "");
}

int32_t normalise(int32_t v, const input_absinfo& a) {
    if (a.maximum <= a.minimum) return -1;
    int64_t n = (static_cast<int64_t>(v) - a.minimum) * 10000 / (a.maximum - a.minimum);
    return static_cast<int32_t>(n < 0 ? 0 : n > 10000 ? 10000 : n);
}

}  // namespace

GpioInput::GpioInput(const DeviceSpec& spec, V4l2Io& io) noexcept : spec_(spec), io_(io) {}

GpioInput::~GpioInput() {
    if (lineFd_ >= 0) ::close(lineFd_);
    if (chipFd_ >= 0) io_.close(chipFd_);
}

Status GpioInput::init() {
    const std::string* chipOpt = spec_.option("chip");
    std::string chip = chipOpt                   ? *chipOpt
                       : !spec_.argument.empty() ? spec_.argument
                                                 : "/dev/gpiochip0";
    // Line numbers start at 0, which uintOption() refuses: read it here.
    const std::string* lineText = spec_.option("line");
    char* end = nullptr;
    unsigned long line = lineText ? std::strtoul(lineText->c_str(), &end, 10) : 0;
    if (!lineText || lineText->empty() || *end || line > 1023)
        return fail(Errc::InvalidArgument,
                    "the gpio input needs line=N (the button's GPIO line, 0 to 1023)");
    auto debounce = spec_.uintOption("debounce_ms", 30, 1000);
    auto longMs = spec_.uintOption("long_press_ms", 800, 60000);
    if (!debounce || !longMs) return fail(!debounce ? debounce.error() : longMs.error());
    line_ = static_cast<uint32_t>(line);
    debounceNs_ = uint64_t{*debounce} * 1000000;
    longNs_ = uint64_t{*longMs} * 1000000;
    bool activeLow = spec_.option("active_low") && *spec_.option("active_low") == "true";
    info_.backend = "gpio";
    std::snprintf(info_.name, sizeof info_.name, "%s line %u", chip.c_str(), line_);
    chipFd_ = io_.open(chip.c_str(), O_RDWR | O_CLOEXEC);
    if (chipFd_ < 0) return openFailure("GPIO chip", chip.c_str(), errno);
    gpio_v2_line_request req{};
    req.offsets[0] = line_;
    req.num_lines = 1;
    std::snprintf(req.consumer, sizeof req.consumer, "snapstage");
    req.config.flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING |
                       GPIO_V2_LINE_FLAG_EDGE_FALLING |
                       (activeLow ? GPIO_V2_LINE_FLAG_ACTIVE_LOW : 0);
    req.config.num_attrs = debounceNs_ ? 1 : 0;
    req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
    req.config.attrs[0].attr.debounce_period_us = static_cast<uint32_t>(debounceNs_ / 1000);
    req.config.attrs[0].mask = 1;
    int rc = io_.ioctl(chipFd_, GPIO_V2_GET_LINE_IOCTL, &req);
    if (rc != 0 && debounceNs_ && (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP)) {
        // No debounce in this driver: ask for the edges alone and debounce here.
        req.config.num_attrs = 0;
        softDebounce_ = true;
        rc = io_.ioctl(chipFd_, GPIO_V2_GET_LINE_IOCTL, &req);
    }
    if (rc != 0 || req.fd < 0) {
        int err = rc != 0 ? errno : EIO;
        return failf(Errc::InputOpen, err, "cannot watch %s line %u: %s%s", chip.c_str(), line_,
                     std::strerror(err), err == EBUSY ? " (another program holds the line)" : "");
    }
    lineFd_ = req.fd;
    int flags = ::fcntl(lineFd_, F_GETFL);
    if (flags >= 0) ::fcntl(lineFd_, F_SETFL, flags | O_NONBLOCK);
    return okStatus();
}

Result<size_t> GpioInput::read(std::span<InputEvent> out, int64_t) {
    size_t n = 0;
    gpio_v2_line_event ev[16];
    for (;;) {
        ssize_t got = ::read(lineFd_, ev, sizeof ev);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        for (size_t i = 0; i < static_cast<size_t>(got) / sizeof ev[0]; ++i) {
            const gpio_v2_line_event& e = ev[i];
            if (softDebounce_ && e.timestamp_ns - lastEdgeNs_ < debounceNs_ && lastEdgeNs_) {
                lastEdgeNs_ = e.timestamp_ns;
                continue;
            }
            lastEdgeNs_ = e.timestamp_ns;
            bool active = e.id == GPIO_V2_LINE_EVENT_RISING_EDGE;  // active-low already applied
            if (active && !down_) {
                down_ = true;
                downNs_ = e.timestamp_ns;
            } else if (!active && down_) {
                down_ = false;
                if (n < out.size())
                    out[n++].kind = e.timestamp_ns - downNs_ >= longNs_ ? InputKind::LongPress
                                                                        : InputKind::Press;
            }
        }
    }
    return n;
}

EvdevInput::EvdevInput(const DeviceSpec& spec, V4l2Io& io) noexcept : spec_(spec), io_(io) {}

EvdevInput::~EvdevInput() {
    if (fd_ >= 0) io_.close(fd_);
}

Status EvdevInput::init() {
    const char* path = spec_.argument.empty() ? "/dev/input/event0" : spec_.argument.c_str();
    auto longMs = spec_.uintOption("long_press_ms", 800, 60000);
    if (!longMs) return fail(longMs.error());
    longMs_ = *longMs;
    info_.backend = "evdev";
    fd_ = io_.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) return openFailure("input device", path, errno);
    char name[48] = {};
    if (io_.ioctl(fd_, EVIOCGNAME(sizeof name - 1), name) < 0)
        return failf(Errc::InputOpen, errno, "%s is not an input device", path);
    std::snprintf(info_.name, sizeof info_.name, "%.20s (%.40s)", path, name);
    // Touch surfaces report positions in their own range: read it to normalise taps.
    if (io_.ioctl(fd_, EVIOCGABS(ABS_X), &absX_) < 0) absX_ = {};
    if (io_.ioctl(fd_, EVIOCGABS(ABS_Y), &absY_) < 0) absY_ = {};
    return okStatus();
}

void EvdevInput::onEvent(const input_event& ev, std::span<InputEvent> out, size_t& n) noexcept {
    auto push = [&](InputEvent e) {
        if (n < out.size()) out[n++] = e;
    };
    if (ev.type == EV_ABS && (ev.code == ABS_X || ev.code == ABS_MT_POSITION_X)) x_ = ev.value;
    if (ev.type == EV_ABS && (ev.code == ABS_Y || ev.code == ABS_MT_POSITION_Y)) y_ = ev.value;
    if (ev.type != EV_KEY) return;
    if (ev.code == BTN_TOUCH) {
        // The tap counts when the finger lifts, at the last position reported.
        if (ev.value == 1) touching_ = true;
        if (ev.value == 0 && touching_) {
            touching_ = false;
            push({InputKind::Tap, normalise(x_, absX_), normalise(y_, absY_)});
        }
        return;
    }
    bool button = ev.code == KEY_ENTER || ev.code == KEY_KPENTER || ev.code == KEY_SPACE ||
                  ev.code == KEY_CAMERA || (ev.code >= BTN_MISC && ev.code < BTN_MOUSE) ||
                  ev.code == BTN_LEFT;
    if (ev.code == KEY_Q && ev.value == 1) push({InputKind::Quit, -1, -1});
    if (!button) return;
    if (ev.value == 1 && keyDownMs_ < 0) keyDownMs_ = lastNowMs_;
    if (ev.value == 0 && keyDownMs_ >= 0) {
        push(
            {lastNowMs_ - keyDownMs_ >= longMs_ ? InputKind::LongPress : InputKind::Press, -1, -1});
        keyDownMs_ = -1;
    }
}

Result<size_t> EvdevInput::read(std::span<InputEvent> out, int64_t nowMs) {
    lastNowMs_ = nowMs;
    size_t n = 0;
    input_event ev[32];
    for (;;) {
        ssize_t got = ::read(fd_, ev, sizeof ev);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && errno == ENODEV)
            return fail(Errc::InputIo, "the input device was unplugged");
        if (got <= 0) break;
        for (size_t i = 0; i < static_cast<size_t>(got) / sizeof ev[0]; ++i)
            onEvent(ev[i], out, n);
    }
    return n;
}

}  // namespace snapstage::hal
