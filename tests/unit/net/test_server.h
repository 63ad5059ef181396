// SPDX-License-Identifier: MIT
// A small HTTP(S) server for unit tests: Mbed TLS server side (with a session cache), listening
// on loopback in its own thread, or serving one end of a socketpair; requests are handled by a
// test-supplied function that reads the request and writes raw response bytes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "tests/unit/net/test_pki.h"

namespace snapstage::net::test {

class ServerConn {
public:
    virtual ~ServerConn() = default;
    // The request head up to the blank line; "" when the client closed.
    std::string readHead();
    std::string readExact(size_t n);
    // The body announced by the head's Content-Length.
    std::string readBody(const std::string& head);
    virtual bool write(std::string_view data) = 0;
    virtual size_t read(char* out, size_t cap) = 0;  // 0: closed
    int requestsOnThisConnection = 0;

protected:
    std::string pending_;
};

using Handler = std::function<bool(ServerConn&)>;  // one request; false closes the connection

struct ServerStats {
    std::atomic<int> connections{0};
    std::atomic<int> requests{0};
};

// The newest TLS version the server accepts: the library's (1.3 on Mbed TLS 3.6), or 1.2.
enum class TlsMax { Library, Tls12 };

class TestServer {
public:
    // `cred` makes it an https server (its certPem may hold leaf + intermediates); null: plain.
    TestServer(const Credential* cred, Handler handler, TlsMax max = TlsMax::Library);
    ~TestServer();
    uint16_t port() const { return port_; }
    ServerStats& stats() { return stats_; }

    // Serves a connected fd (a socketpair end) in the calling thread until the client closes.
    static void serveFd(int fd, const Credential* cred, const Handler& handler,
                        ServerStats* stats = nullptr, TlsMax max = TlsMax::Library);

    struct Tls;

private:
    void run();

    std::unique_ptr<Tls> tls_;
    Handler handler_;
    int listenFd_ = -1;
    std::atomic<int> activeFd_{-1};
    int stopPipe_[2] = {-1, -1};
    uint16_t port_ = 0;
    ServerStats stats_;
    std::thread thread_;
};

// "HTTP/1.1 <status>\r\nContent-Length: N\r\n<extra>\r\n<body>".
std::string response(int status, std::string_view body, std::string_view extraHeaders = "");

}  // namespace snapstage::net::test
