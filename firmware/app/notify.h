// SPDX-License-Identifier: MIT
// ServiceNotifier: the systemd notification protocol (sd_notify) spoken directly: READY=1 once
// the kiosk is up, STATUS= lines a service manager shows, WATCHDOG=1 keep-alives at half of
// WatchdogSec, STOPPING=1 on the way out. Does nothing when NOTIFY_SOCKET is not set.
#pragma once

#include <cstdint>
#include <string_view>

namespace snapstage::app {

class ServiceNotifier {
public:
    // Reads NOTIFY_SOCKET and WATCHDOG_USEC (and WATCHDOG_PID) from the environment.
    ServiceNotifier() noexcept;
    ~ServiceNotifier();
    ServiceNotifier(const ServiceNotifier&) = delete;
    ServiceNotifier& operator=(const ServiceNotifier&) = delete;

    bool active() const noexcept { return fd_ >= 0; }
    void ready() noexcept { send("READY=1"); }
    void stopping() noexcept { send("STOPPING=1"); }
    void status(std::string_view text) noexcept;
    // Sends WATCHDOG=1 when half the watchdog period has passed since the last one.
    void keepAlive(int64_t nowMs) noexcept;
    // How long the loop may sleep before keepAlive() must run again; -1 without a watchdog.
    int64_t keepAliveDueMs(int64_t nowMs) const noexcept;

    void send(std::string_view message) noexcept;

private:
    int fd_ = -1;
    char path_[108] = {};
    size_t pathLen_ = 0;
    int64_t watchdogMs_ = 0;
    int64_t lastPingMs_ = 0;
};

}  // namespace snapstage::app
