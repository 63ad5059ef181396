// SPDX-License-Identifier: MIT
// TCP transport over non-blocking sockets and poll().
#include "firmware/net/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "firmware/util/time.h"

namespace snapstage::net {

namespace {
std::atomic<bool> gInterrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "used from a signal handler");

Error interruptedError() noexcept {
    return Error(Errc::Interrupted, "interrupted");
}
}  // namespace

void requestInterrupt() noexcept {
    gInterrupted.store(true, std::memory_order_relaxed);
}

void clearInterrupt() noexcept {
    gInterrupted.store(false, std::memory_order_relaxed);
}

Deadline Deadline::afterMs(int64_t ms, const Clock& clock) noexcept {
    Deadline d;
    d.clock_ = &clock;
    d.atMs_ = clock.monotonicMs() + (ms < 0 ? 0 : ms);
    return d;
}

bool Deadline::expired() const noexcept {
    return set() && clock_->monotonicMs() >= atMs_;
}

int Deadline::clampMs(int timeoutMs) const noexcept {
    if (!set()) return timeoutMs;
    int64_t left = atMs_ - clock_->monotonicMs();
    if (left <= 0) return 0;
    return left < timeoutMs ? static_cast<int>(left) : timeoutMs;
}

Status writeAll(Stream& stream, std::span<const std::byte> data) noexcept {
    while (!data.empty()) {
        auto n = stream.write(data);
        if (!n) return fail(n.error());
        data = data.subspan(*n);
    }
    return okStatus();
}

namespace {

void formatAddress(const sockaddr* sa, char* out, size_t cap) noexcept {
    const void* addr =
        sa->sa_family == AF_INET6
            ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr)
            : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr);
    if (!::inet_ntop(sa->sa_family, addr, out, static_cast<socklen_t>(cap)))
        std::snprintf(out, cap, "?");
}

// Connects one address; returns 0 on success or an errno (ETIMEDOUT when the wait ran out).
int connectOne(const addrinfo* ai, int timeoutMs, UniqueFd& out) noexcept {
    UniqueFd fd(
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd.valid()) return errno;
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) return errno;
        pollfd p{fd.get(), POLLOUT, 0};
        int r;
        do {
            r = ::poll(&p, 1, timeoutMs);
        } while (r < 0 && errno == EINTR && !gInterrupted.load(std::memory_order_relaxed));
        if (r == 0) return ETIMEDOUT;
        if (r < 0) return errno;
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
        if (err != 0) return err;
    }
    int one = 1;
    // Requests go out as head + body writes: do not let Nagle hold the last segment back.
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    out = std::move(fd);
    return 0;
}

}  // namespace

Status Socket::connect(std::string_view host, uint16_t port, const SocketTimeouts& timeouts,
                       const Deadline& deadline) noexcept {
    fd_.reset();
    peer_[0] = '\0';
    timeouts_ = timeouts;
    deadline_ = deadline;
    char name[256];
    if (host.empty() || host.size() >= sizeof name)
        return fail(Errc::InvalidArgument, "bad host name");
    std::memcpy(name, host.data(), host.size());
    name[host.size()] = '\0';
    char service[8];
    std::snprintf(service, sizeof service, "%u", static_cast<unsigned>(port));

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* list = nullptr;
    int rc = ::getaddrinfo(name, service, &hints, &list);
    if (rc != 0)
        return failf(Errc::NetDns, rc, "cannot resolve %s: %s (check the name and the DNS setup)",
                     name, ::gai_strerror(rc));
    int lastErr = 0;
    char lastAddr[64] = "?";
    for (const addrinfo* ai = list; ai; ai = ai->ai_next) {
        if (deadline.expired()) {
            lastErr = ETIMEDOUT;
            break;
        }
        formatAddress(ai->ai_addr, lastAddr, sizeof lastAddr);
        lastErr = connectOne(ai, deadline.clampMs(timeouts.connectMs), fd_);
        if (gInterrupted.load(std::memory_order_relaxed)) {
            ::freeaddrinfo(list);
            fd_.reset();
            return fail(interruptedError());
        }
        if (lastErr == 0) {
            std::snprintf(peer_, sizeof peer_, "%s", lastAddr);
            break;
        }
    }
    ::freeaddrinfo(list);
    if (lastErr == ETIMEDOUT)
        return failf(Errc::NetTimeout, lastErr,
                     "connecting to %s (%s) port %u timed out: check the network and firewall",
                     name, lastAddr, static_cast<unsigned>(port));
    if (lastErr != 0)
        return failf(Errc::NetConnect, lastErr, "cannot connect to %s (%s) port %u: %s", name,
                     lastAddr, static_cast<unsigned>(port), std::strerror(lastErr));
    return okStatus();
}

void Socket::adopt(UniqueFd fd, const SocketTimeouts& timeouts) noexcept {
    fd_ = std::move(fd);
    timeouts_ = timeouts;
    int flags = ::fcntl(fd_.get(), F_GETFL);
    if (flags >= 0) ::fcntl(fd_.get(), F_SETFL, flags | O_NONBLOCK);
    std::snprintf(peer_, sizeof peer_, "local");
}

Status Socket::waitFor(short events, const char* what) noexcept {
    int waitMs = deadline_.clampMs(timeouts_.ioMs);
    pollfd p{fd_.get(), events, 0};
    int r;
    do {
        if (gInterrupted.load(std::memory_order_relaxed)) return fail(interruptedError());
        r = ::poll(&p, 1, waitMs);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return failf(Errc::NetIo, errno, "poll: %s", std::strerror(errno));
    if (r == 0) {
        if (deadline_.expired())
            return failf(Errc::NetTimeout, ETIMEDOUT,
                         "the transfer ran past its time limit while %s %s", what, peer_);
        return failf(Errc::NetTimeout, ETIMEDOUT,
                     "no progress for %d s while %s %s: the server or the network stalled",
                     timeouts_.ioMs / 1000, what, peer_);
    }
    return okStatus();
}

Result<size_t> Socket::read(std::span<std::byte> out) noexcept {
    if (!fd_.valid()) return fail(Errc::NetClosed, "read on a closed connection");
    for (;;) {
        ssize_t n = ::recv(fd_.get(), out.data(), out.size(), 0);
        if (n >= 0) return static_cast<size_t>(n);
        if (errno == EINTR) continue;
        if (errno == ECONNRESET)
            return failf(Errc::NetClosed, errno, "%s closed the connection abruptly (reset): retry",
                         peer_);
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return failf(Errc::NetIo, errno, "reading from %s: %s", peer_, std::strerror(errno));
        SNAPSTAGE_TRY(waitFor(POLLIN, "reading from"));
    }
}

Result<size_t> Socket::write(std::span<const std::byte> data) noexcept {
    if (!fd_.valid()) return fail(Errc::NetClosed, "write on a closed connection");
    for (;;) {
        ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
        if (n >= 0) return static_cast<size_t>(n);
        if (errno == EINTR) continue;
        if (errno == EPIPE || errno == ECONNRESET)
            return failf(Errc::NetClosed, errno,
                         "%s closed the connection while we were sending: retry", peer_);
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return failf(Errc::NetIo, errno, "writing to %s: %s", peer_, std::strerror(errno));
        SNAPSTAGE_TRY(waitFor(POLLOUT, "writing to"));
    }
}

void Socket::setCorked(bool on) noexcept {
    int value = on ? 1 : 0;
    if (fd_.valid()) (void)::setsockopt(fd_.get(), IPPROTO_TCP, TCP_CORK, &value, sizeof value);
}

bool Socket::idleConnectionBroken() const noexcept {
    if (!fd_.valid()) return true;
    pollfd p{fd_.get(), POLLIN, 0};
    // Readable while idle means EOF, a reset or stray bytes: none leave the connection reusable.
    return ::poll(&p, 1, 0) != 0;
}

}  // namespace snapstage::net
