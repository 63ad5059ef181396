// SPDX-License-Identifier: MIT
// TCP transport: DNS (getaddrinfo, every address tried), non-blocking connect with a timeout,
// poll-based read/write timeouts and an overall deadline. Also the Stream interface that TLS and
// HTTP read and write through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/util/clock.h"
#include "firmware/util/fd.h"
#include "firmware/util/result.h"

namespace snapstage::net {

// A point in monotonic time by which a whole operation must finish; unset means no limit.
class Deadline {
public:
    Deadline() noexcept = default;
    static Deadline never() noexcept { return {}; }
    // `ms` from now on `clock` (borrowed; it must outlive the Deadline).
    static Deadline afterMs(int64_t ms, const Clock& clock = systemClock()) noexcept;
    bool set() const noexcept { return atMs_ >= 0; }
    bool expired() const noexcept;
    // The smaller of `timeoutMs` and the time left (0 when expired); `timeoutMs` when unset.
    int clampMs(int timeoutMs) const noexcept;

private:
    const Clock* clock_ = nullptr;
    int64_t atMs_ = -1;
};

// Byte stream the TLS and HTTP layers talk through (a TCP socket, a TLS session, a test pipe).
class Stream {
public:
    virtual ~Stream() = default;
    // Reads up to out.size() bytes, blocking until at least one is there; 0 means the peer
    // closed. Errors: NetTimeout, NetIo, TlsIo (each with a message naming the peer).
    virtual Result<size_t> read(std::span<std::byte> out) noexcept = 0;
    // Writes some of `data` (at least one byte); callers loop. Errors as read().
    virtual Result<size_t> write(std::span<const std::byte> data) noexcept = 0;

protected:
    Stream() = default;
    Stream(const Stream&) = default;
    Stream& operator=(const Stream&) = default;
};

// Makes every wait of a Socket in this process give up with Errc::Interrupted, from now until
// clearInterrupt(). Async-signal-safe: call it from a SIGINT/SIGTERM handler installed without
// SA_RESTART, so that a blocked poll() returns.
void requestInterrupt() noexcept;
void clearInterrupt() noexcept;

// Writes all of `data`, looping over partial writes.
Status writeAll(Stream& stream, std::span<const std::byte> data) noexcept;

struct SocketTimeouts {
    int connectMs = 10000;  // per address tried
    int ioMs = 30000;       // longest wait for one read or write to make progress
};

// A connected TCP socket (non-blocking underneath; each call waits with poll()).
class Socket final : public Stream {
public:
    Socket() noexcept = default;
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    // Resolves `host` (name or IP literal) and tries each address in turn until one connects.
    // Allocates inside getaddrinfo. Errors: NetDns (name does not resolve), NetConnect (every
    // address refused or unreachable; the message names the last address and reason),
    // NetTimeout (connect timed out or the deadline passed).
    Status connect(std::string_view host, uint16_t port, const SocketTimeouts& timeouts,
                   const Deadline& deadline) noexcept;
    // Takes an already connected fd (tests: one end of a socketpair).
    void adopt(UniqueFd fd, const SocketTimeouts& timeouts) noexcept;
    void close() noexcept { fd_.reset(); }
    bool open() const noexcept { return fd_.valid(); }
    int fd() const noexcept { return fd_.get(); }

    // TCP_CORK: while on, the kernel sends only full segments; turning it off sends what is
    // left at once. For a body written in many pieces: fewer, fuller segments, and on loopback
    // fewer wake-ups of the reader. Best effort (not a TCP socket: nothing happens).
    void setCorked(bool on) noexcept;

    // The deadline every following read/write also honours (in addition to ioMs).
    void setDeadline(const Deadline& deadline) noexcept { deadline_ = deadline; }
    // True when the peer has closed or sent unexpected bytes while the socket sat idle.
    bool idleConnectionBroken() const noexcept;

    Result<size_t> read(std::span<std::byte> out) noexcept override;
    Result<size_t> write(std::span<const std::byte> data) noexcept override;

    // Numeric address of the peer ("192.0.2.1", "::1"); "" before connect.
    const char* peerAddress() const noexcept { return peer_; }

private:
    Status waitFor(short events, const char* what) noexcept;

    UniqueFd fd_;
    SocketTimeouts timeouts_;
    Deadline deadline_;
    char peer_[64] = {};
};

}  // namespace snapstage::net
