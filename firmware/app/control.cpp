// SPDX-License-Identifier: MIT
// The kiosk's control socket.
#include "firmware/app/control.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "firmware/util/json.h"

namespace snapstage::app {

ControlSocket::~ControlSocket() {
    for (Client& c : clients_)
        drop(c);
    if (listen_ >= 0) {
        ::close(listen_);
        ::unlink(path_.c_str());
    }
}

Status ControlSocket::open(std::string_view path) noexcept {
    if (!path_.assign(path) || path.size() >= sizeof(sockaddr_un{}.sun_path))
        return fail(Errc::InvalidArgument, "control socket path too long");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    listen_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_ < 0) return failf(Errc::StorageIo, errno, "cannot create the control socket");
    ::unlink(path_.c_str());
    mode_t old = ::umask(0117);  // 0660: the owner and its group (a HIL rig's user)
    int rc = ::bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::umask(old);
    if (rc != 0 || ::listen(listen_, 4) != 0) {
        int err = errno;
        ::close(listen_);
        listen_ = -1;
        return failf(Errc::StorageIo, err, "cannot listen on %s: %s", path_.c_str(),
                     std::strerror(err));
    }
    ::chmod(path_.c_str(), 0660);
    return okStatus();
}

size_t ControlSocket::pollFds(pollfd* out, size_t capacity) const noexcept {
    size_t n = 0;
    if (listen_ >= 0 && n < capacity) out[n++] = {listen_, POLLIN, 0};
    for (const Client& c : clients_)
        if (c.fd >= 0 && n < capacity) out[n++] = {c.fd, POLLIN, 0};
    return n;
}

void ControlSocket::drop(Client& c) noexcept {
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
    c.used = 0;
}

void ControlSocket::acceptAll() noexcept {
    for (;;) {
        int fd = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) return;
        Client* slot = nullptr;
        for (Client& c : clients_)
            if (c.fd < 0 && !slot) slot = &c;
        if (!slot) {
            static const char kBusy[] =
                "{\"event\":\"error\",\"code\":\"busy\",\"message\":\"too many clients\"}\n";
            (void)!::write(fd, kBusy, sizeof kBusy - 1);
            ::close(fd);
            continue;
        }
        slot->fd = fd;
        slot->used = 0;
    }
}

bool ControlSocket::parse(std::string_view line, ControlCommand& out) noexcept {
    auto doc = json::Document::parse(line);
    if (!doc || !doc->root().isObject()) return false;
    std::string_view cmd = doc->root().get("cmd").asString();
    if (cmd == "capture") {
        out.kind = ControlCommand::Kind::Capture;
    } else if (cmd == "status") {
        out.kind = ControlCommand::Kind::Status;
    } else if (cmd == "quit") {
        out.kind = ControlCommand::Kind::Quit;
    } else if (cmd == "show") {
        out.kind = ControlCommand::Kind::Show;
        if (!out.path.assign(doc->root().get("path").asString()) || out.path.empty()) return false;
    } else {
        return false;
    }
    return true;
}

bool ControlSocket::next(ControlCommand& out) noexcept {
    if (listen_ < 0) return false;
    acceptAll();
    for (Client& c : clients_) {
        if (c.fd < 0) continue;
        ssize_t got = ::read(c.fd, c.buf + c.used, sizeof c.buf - c.used);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
            if (c.used == 0) {
                drop(c);
                continue;
            }
        }
        if (got > 0) c.used += static_cast<size_t>(got);
        char* nl = static_cast<char*>(std::memchr(c.buf, '\n', c.used));
        if (!nl) {
            if (c.used == sizeof c.buf) drop(c);  // a line longer than any command
            continue;
        }
        size_t len = static_cast<size_t>(nl - c.buf);
        bool ok = parse(std::string_view(c.buf, len), out);
        std::memmove(c.buf, nl + 1, c.used - len - 1);
        c.used -= len + 1;
        if (ok) return true;
        static const char kBad[] =
            "{\"event\":\"error\",\"code\":\"usage\",\"message\":\"unknown command: send "
            "{\\\"cmd\\\": \\\"capture\\\"|\\\"status\\\"|\\\"show\\\"|\\\"quit\\\"}\"}\n";
        (void)!::write(c.fd, kBad, sizeof kBad - 1);
    }
    return false;
}

void ControlSocket::onEventLine(std::string_view line) noexcept {
    for (Client& c : clients_)
        if (c.fd >= 0 && ::send(c.fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
            errno != EAGAIN)
            drop(c);
}

}  // namespace snapstage::app
