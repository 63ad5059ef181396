// SPDX-License-Identifier: MIT
// ControlSocket: the kiosk's control socket for HIL rigs and local tools. A Unix stream socket
// (mode 0660) taking JSON lines, {"cmd": "capture" | "status" | "show" | "quit"}, and answering
// every connected client with the same events `--json` prints. A few clients at a time; lines
// are read into fixed buffers.
#pragma once

#include <poll.h>

#include <cstddef>
#include <string_view>

#include "firmware/app/events.h"
#include "firmware/util/fixed_string.h"
#include "firmware/util/result.h"

namespace snapstage::app {

struct ControlCommand {
    enum class Kind : uint8_t { Capture, Status, Show, Quit };
    Kind kind = Kind::Status;
    FixedString<512> path;  // show: an image file
};

class ControlSocket final : public EventTee {
public:
    static constexpr size_t kMaxClients = 4;
    ControlSocket() noexcept = default;
    ~ControlSocket() override;
    ControlSocket(const ControlSocket&) = delete;
    ControlSocket& operator=(const ControlSocket&) = delete;

    // Listens at `path` (an old socket there is replaced), mode 0660. Errors: StorageIo.
    Status open(std::string_view path) noexcept;
    bool isOpen() const noexcept { return listen_ >= 0; }
    // Descriptors to poll for reading (the listener and each client): fills `out`, returns count.
    size_t pollFds(pollfd* out, size_t capacity) const noexcept;
    // Accepts and reads what is waiting, without blocking; returns the next whole command, if
    // any (call until false). A line that is not a command is answered with an error event.
    bool next(ControlCommand& out) noexcept;
    void onEventLine(std::string_view line) noexcept override;

private:
    struct Client {
        int fd = -1;
        char buf[1024];
        size_t used = 0;
    };
    void acceptAll() noexcept;
    bool parse(std::string_view line, ControlCommand& out) noexcept;
    void drop(Client& c) noexcept;

    int listen_ = -1;
    FixedString<108> path_;
    Client clients_[kMaxClients];
};

}  // namespace snapstage::app
