// SPDX-License-Identifier: MIT
// The systemd notification protocol.
#include "firmware/app/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace snapstage::app {

ServiceNotifier::ServiceNotifier() noexcept {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (!path || !*path || std::strlen(path) >= sizeof path_) return;
    pathLen_ = std::strlen(path);
    std::memcpy(path_, path, pathLen_);
    if (path_[0] == '@') path_[0] = '\0';  // abstract namespace
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const char* usec = std::getenv("WATCHDOG_USEC");
    const char* pid = std::getenv("WATCHDOG_PID");
    if (usec && (!pid || std::atol(pid) == static_cast<long>(::getpid())))
        watchdogMs_ = std::atoll(usec) / 1000;
}

ServiceNotifier::~ServiceNotifier() {
    if (fd_ >= 0) ::close(fd_);
}

void ServiceNotifier::send(std::string_view message) noexcept {
    if (fd_ < 0) return;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_, pathLen_);
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + pathLen_);
    (void)::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL,
                   reinterpret_cast<const sockaddr*>(&addr), len);
}

void ServiceNotifier::status(std::string_view text) noexcept {
    char line[256];
    int n =
        std::snprintf(line, sizeof line, "STATUS=%.*s", static_cast<int>(text.size()), text.data());
    if (n > 0)
        send(std::string_view(
            line, static_cast<size_t>(n) < sizeof line ? static_cast<size_t>(n) : sizeof line - 1));
}

void ServiceNotifier::keepAlive(int64_t nowMs) noexcept {
    if (fd_ < 0 || watchdogMs_ <= 0 || nowMs - lastPingMs_ < watchdogMs_ / 2) return;
    lastPingMs_ = nowMs;
    send("WATCHDOG=1");
}

int64_t ServiceNotifier::keepAliveDueMs(int64_t nowMs) const noexcept {
    if (fd_ < 0 || watchdogMs_ <= 0) return -1;
    int64_t due = lastPingMs_ + watchdogMs_ / 2 - nowMs;
    return due < 0 ? 0 : due;
}

}  // namespace snapstage::app
