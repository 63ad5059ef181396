// SPDX-License-Identifier: MIT
// hal::Input: what the visitor does: a button press (short or long), a tap on the screen, or a
// request to quit. Backends are polled by the UI thread: each gives a descriptor to wait on and
// reads its events without blocking.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "firmware/util/result.h"
#include "hal/backend_info.h"
#include "hal/spec.h"

namespace snapstage::hal {

enum class InputKind : uint8_t { Press, LongPress, Tap, Quit };
const char* to_string(InputKind k) noexcept;

struct InputEvent {
    InputKind kind = InputKind::Press;
    // Tap position as a fraction of the touch surface, 0..10000 on each axis; -1 otherwise.
    int32_t x = -1;
    int32_t y = -1;
};

struct InputInfo {
    const char* backend = "";  // "null", "stdin", "script", "gpio", "evdev"
    char name[64] = {};
};

class Input {
public:
    virtual ~Input() = default;
    Input(const Input&) = delete;
    Input& operator=(const Input&) = delete;

    // Opens the device. Errors: InvalidArgument (bad option), InputOpen (missing, no permission,
    // a line held by another program) with the path and what to do.
    virtual Status init() = 0;
    virtual InputInfo info() const = 0;
    // A descriptor that becomes readable when read() may have events; -1 when there is none.
    virtual int pollFd() const = 0;
    // The events that are there now, without blocking, into `out`; returns how many. `nowMs` is
    // the monotonic time (long presses and scripts are timed on it).
    virtual Result<size_t> read(std::span<InputEvent> out, int64_t nowMs) = 0;
    // When read() should be called again even without the descriptor becoming readable (a
    // scripted event, a long press turning long), in monotonic ms; -1 when never.
    virtual int64_t nextWakeMs() const { return -1; }

protected:
    Input() = default;
};

// Builds the backend named by spec.backend ("null", "stdin", "script", "gpio", "evdev").
// Errors: NotSupported listing the known ones, InvalidArgument for a bad option.
Result<std::unique_ptr<Input>> makeInput(const DeviceSpec& spec) noexcept;
const char* inputBackends() noexcept;
std::span<const BackendInfo> inputBackendTable() noexcept;

}  // namespace snapstage::hal
