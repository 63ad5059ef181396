// SPDX-License-Identifier: MIT
// Inputs that need no device: `null` (nothing ever happens), `stdin` (one line per action:
// an empty line or "press", "long", "tap X Y" with X and Y in 0..10000, "quit"), and `script`
// (events at set times after start, for demos and HIL rigs, steps joined by '+':
// "script:press@1500+tap@4000:5000:5000+quit@20000").
#pragma once

#include "hal/input.h"

namespace snapstage::hal {

class NullInput final : public Input {
public:
    explicit NullInput(const DeviceSpec&) noexcept {}
    Status init() override { return okStatus(); }
    InputInfo info() const override;
    int pollFd() const override { return -1; }
    Result<size_t> read(std::span<InputEvent>, int64_t) override { return size_t{0}; }
};

class StdinInput final : public Input {
public:
    explicit StdinInput(const DeviceSpec& spec, int fd = 0) noexcept : fd_(fd) { (void)spec; }
    Status init() override;
    InputInfo info() const override;
    int pollFd() const override { return eof_ ? -1 : fd_; }
    Result<size_t> read(std::span<InputEvent> out, int64_t nowMs) override;

private:
    int fd_;
    bool eof_ = false;
    char line_[256] = {};
    size_t used_ = 0;
};

class ScriptInput final : public Input {
public:
    static constexpr size_t kMaxSteps = 32;
    explicit ScriptInput(const DeviceSpec& spec) noexcept : spec_(spec) {}
    // Errors: InvalidArgument naming the step that is not KIND@MS[:X:Y].
    Status init() override;
    InputInfo info() const override;
    int pollFd() const override { return -1; }
    Result<size_t> read(std::span<InputEvent> out, int64_t nowMs) override;
    int64_t nextWakeMs() const override;

private:
    struct Step {
        InputEvent event;
        int64_t atMs;
    };
    DeviceSpec spec_;
    Step steps_[kMaxSteps];
    size_t count_ = 0;
    size_t next_ = 0;
    int64_t startMs_ = -1;
};

// One stdin-style command line as an event; false when it is not one.
bool parseInputLine(std::string_view line, InputEvent& out) noexcept;

}  // namespace snapstage::hal
