// SPDX-License-Identifier: MIT
// Tests of the socket layer's waits: timeouts, deadlines and interruption (over a socketpair).
#include "firmware/net/socket.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace snapstage::net {
namespace {

class SocketTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_), 0);
        peer_.reset(fds_[1]);
    }
    void TearDown() override { clearInterrupt(); }
    Socket& adopt(int ioMs) {
        sock_.adopt(UniqueFd(fds_[0]), SocketTimeouts{1000, ioMs});
        return sock_;
    }
    Result<size_t> readSome() {
        std::byte b[16];
        return sock_.read(b);
    }
    int fds_[2] = {-1, -1};
    UniqueFd peer_;
    Socket sock_;
};

TEST_F(SocketTest, ReadReturnsDataThenZeroAtClose) {
    adopt(1000);
    ASSERT_EQ(::write(peer_.get(), "abc", 3), 3);
    auto n = readSome();
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 3u);
    peer_.reset();
    auto eof = readSome();
    ASSERT_TRUE(eof.ok());
    EXPECT_EQ(*eof, 0u);
}

TEST_F(SocketTest, SilentPeerTimesOutWithAPlainMessage) {
    adopt(50);
    auto n = readSome();
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.error().code(), Errc::NetTimeout);
    EXPECT_NE(std::string(n.error().message()).find("stalled"), std::string::npos);
}

TEST_F(SocketTest, ExpiredDeadlineWinsOverTheIoTimeout) {
    adopt(60000);
    sock_.setDeadline(Deadline::afterMs(0));
    auto n = readSome();
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.error().code(), Errc::NetTimeout);
    EXPECT_NE(std::string(n.error().message()).find("time limit"), std::string::npos);
}

TEST_F(SocketTest, InterruptStopsAWait) {
    // Given a request to stop (as a SIGINT handler makes), When a read would wait,
    // Then it gives up with Interrupted at once
    adopt(60000);
    requestInterrupt();
    auto n = readSome();
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.error().code(), Errc::Interrupted);
    clearInterrupt();
    ASSERT_EQ(::write(peer_.get(), "x", 1), 1);
    EXPECT_TRUE(readSome().ok());
}

TEST_F(SocketTest, WriteToAClosedPeerIsNetClosed) {
    adopt(1000);
    peer_.reset();
    std::string data(1 << 20, 'x');
    Status st =
        writeAll(sock_, std::span(reinterpret_cast<const std::byte*>(data.data()), data.size()));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::NetClosed);
}

// A corked TCP connection holds a short write back until it is uncorked, then sends it at once.
TEST(SocketCork, HoldsAPartialSegmentUntilUncorked) {
    UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(listener.valid());
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), len), 0);
    ASSERT_EQ(::listen(listener.get(), 1), 0);
    ASSERT_EQ(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
    Socket sock;
    ASSERT_TRUE(sock.connect("127.0.0.1", ntohs(addr.sin_port), SocketTimeouts{1000, 1000},
                             Deadline::never())
                    .ok());
    UniqueFd peer(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_TRUE(peer.valid());
    auto corked = [&] {
        int on = -1;
        socklen_t n = sizeof on;
        EXPECT_EQ(::getsockopt(sock.fd(), IPPROTO_TCP, TCP_CORK, &on, &n), 0);
        return on;
    };
    sock.setCorked(true);
    EXPECT_EQ(corked(), 1);
    const char head[] = "POST / HTTP/1.1\r\n";
    ASSERT_TRUE(writeAll(sock, std::as_bytes(std::span(head, sizeof head - 1))).ok());
    pollfd p{peer.get(), POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 50),
              0);  // held: less than a segment (the kernel's own limit is 200 ms)
    sock.setCorked(false);
    EXPECT_EQ(corked(), 0);
    ASSERT_EQ(::poll(&p, 1, 1000), 1);  // sent at once
    char got[64];
    EXPECT_EQ(::recv(peer.get(), got, sizeof got, 0), static_cast<ssize_t>(sizeof head - 1));
}

TEST(DeadlineTest, ClampsWaits) {
    EXPECT_FALSE(Deadline::never().set());
    EXPECT_EQ(Deadline::never().clampMs(500), 500);
    Deadline soon = Deadline::afterMs(100000);
    EXPECT_TRUE(soon.set());
    EXPECT_FALSE(soon.expired());
    EXPECT_EQ(soon.clampMs(500), 500);
    EXPECT_LE(soon.clampMs(200000), 100000);
    Deadline past = Deadline::afterMs(0);
    EXPECT_TRUE(past.expired());
    EXPECT_EQ(past.clampMs(500), 0);
}

TEST(DeadlineTest, ReadsTheClockItWasGiven) {
    // Given a deadline 30 s ahead on a manual clock
    ManualClock clock;
    Deadline d = Deadline::afterMs(30000, clock);
    EXPECT_EQ(d.clampMs(60000), 30000);
    // When the clock moves on by 29.5 s, then past the end: no real time passes
    clock.advanceMs(29500);
    EXPECT_FALSE(d.expired());
    EXPECT_EQ(d.clampMs(60000), 500);
    clock.advanceMs(500);
    EXPECT_TRUE(d.expired());
}

}  // namespace
}  // namespace snapstage::net
