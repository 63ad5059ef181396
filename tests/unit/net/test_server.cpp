// SPDX-License-Identifier: MIT
// Test HTTP(S) server on Mbed TLS's server side (2.28 or 3.6; TLS 1.3 too when the library has
// it, with session tickets for its resumption).
#include "tests/unit/net/test_server.h"

#include <arpa/inet.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#if MBEDTLS_VERSION_MAJOR >= 3
#include <psa/crypto.h>
#endif

#include <cstring>
#include <stdexcept>

namespace snapstage::net::test {

std::string ServerConn::readHead() {
    for (;;) {
        size_t end = pending_.find("\r\n\r\n");
        if (end != std::string::npos) {
            std::string head = pending_.substr(0, end + 4);
            pending_.erase(0, end + 4);
            ++requestsOnThisConnection;
            return head;
        }
        char buf[4096];
        size_t n = read(buf, sizeof buf);
        if (n == 0) return "";
        pending_.append(buf, n);
    }
}

std::string ServerConn::readExact(size_t n) {
    while (pending_.size() < n) {
        char buf[16384];
        size_t got = read(buf, sizeof buf);
        if (got == 0) break;
        pending_.append(buf, got);
    }
    std::string out = pending_.substr(0, n);
    pending_.erase(0, out.size());
    return out;
}

std::string ServerConn::readBody(const std::string& head) {
    size_t at = head.find("Content-Length: ");
    if (at == std::string::npos) return "";
    return readExact(std::stoul(head.substr(at + 16)));
}

std::string response(int status, std::string_view body, std::string_view extraHeaders) {
    return "HTTP/1.1 " + std::to_string(status) +
           " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
           std::string(extraHeaders) + "\r\n" + std::string(body);
}

struct TestServer::Tls {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt chain;
    mbedtls_pk_context key;
    mbedtls_ssl_cache_context cache;
    mbedtls_ssl_ticket_context tickets;
    Tls(const Credential& cred, TlsMax max) {
#if MBEDTLS_VERSION_MAJOR >= 3
        if (psa_crypto_init() != PSA_SUCCESS) throw std::runtime_error("psa_crypto_init");
#endif
        mbedtls_ssl_ticket_init(&tickets);
        mbedtls_entropy_init(&entropy);
        mbedtls_ctr_drbg_init(&drbg);
        mbedtls_ssl_config_init(&conf);
        mbedtls_x509_crt_init(&chain);
        mbedtls_pk_init(&key);
        mbedtls_ssl_cache_init(&cache);
        int rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, nullptr, 0);
        rc |= mbedtls_x509_crt_parse(&chain,
                                     reinterpret_cast<const unsigned char*>(cred.certPem.c_str()),
                                     cred.certPem.size() + 1);
#if MBEDTLS_VERSION_MAJOR >= 3
        rc |= mbedtls_pk_parse_key(
            &key, reinterpret_cast<const unsigned char*>(cred.keyPem.c_str()),
            cred.keyPem.size() + 1, nullptr, 0, mbedtls_ctr_drbg_random, &drbg);
#else
        rc |=
            mbedtls_pk_parse_key(&key, reinterpret_cast<const unsigned char*>(cred.keyPem.c_str()),
                                 cred.keyPem.size() + 1, nullptr, 0);
#endif
        rc |= mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER,
                                          MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
        rc |= mbedtls_ssl_conf_own_cert(&conf, &chain, &key);
        // Tickets as well as the id cache: TLS 1.3 resumes only with tickets.
        rc |= mbedtls_ssl_ticket_setup(&tickets, mbedtls_ctr_drbg_random, &drbg,
                                       MBEDTLS_CIPHER_AES_256_GCM, 86400);
        if (rc != 0) throw std::runtime_error("test TLS server set-up failed");
        mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
#if MBEDTLS_VERSION_MAJOR >= 3
        if (max == TlsMax::Tls12)
            mbedtls_ssl_conf_max_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
        (void)max;  // 2.28 speaks TLS 1.2 at most
#endif
        mbedtls_ssl_conf_session_cache(&conf, &cache, mbedtls_ssl_cache_get, mbedtls_ssl_cache_set);
        mbedtls_ssl_conf_session_tickets_cb(&conf, mbedtls_ssl_ticket_write,
                                            mbedtls_ssl_ticket_parse, &tickets);
        static const char* alpn[] = {"http/1.1", nullptr};
        mbedtls_ssl_conf_alpn_protocols(&conf, alpn);
    }
    ~Tls() {
        mbedtls_ssl_ticket_free(&tickets);
        mbedtls_ssl_cache_free(&cache);
        mbedtls_pk_free(&key);
        mbedtls_x509_crt_free(&chain);
        mbedtls_ssl_config_free(&conf);
        mbedtls_ctr_drbg_free(&drbg);
        mbedtls_entropy_free(&entropy);
    }
};

namespace {

class PlainConn final : public ServerConn {
public:
    explicit PlainConn(int fd) : fd_(fd) {}
    bool write(std::string_view d) override {
        while (!d.empty()) {
            ssize_t n = ::send(fd_, d.data(), d.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            d.remove_prefix(static_cast<size_t>(n));
        }
        return true;
    }
    size_t read(char* out, size_t cap) override {
        ssize_t n = ::recv(fd_, out, cap, 0);
        return n > 0 ? static_cast<size_t>(n) : 0;
    }

private:
    int fd_;
};

int fdSend(void* p, const unsigned char* b, size_t n) {
    ssize_t r = ::send(*static_cast<int*>(p), b, n, MSG_NOSIGNAL);
    return r < 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : static_cast<int>(r);
}

int fdRecv(void* p, unsigned char* b, size_t n) {
    ssize_t r = ::recv(*static_cast<int*>(p), b, n, 0);
    return r < 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : static_cast<int>(r);
}

class TlsConn final : public ServerConn {
public:
    TlsConn(int fd, TestServer::Tls& tls) : fd_(fd) {
        mbedtls_ssl_init(&ssl_);
        mbedtls_ssl_setup(&ssl_, &tls.conf);
        mbedtls_ssl_set_bio(&ssl_, &fd_, fdSend, fdRecv, nullptr);
    }
    ~TlsConn() override { mbedtls_ssl_free(&ssl_); }
    bool handshake() {
        int rc;
        do {
            rc = mbedtls_ssl_handshake(&ssl_);
        } while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
        return rc == 0;
    }
    bool write(std::string_view d) override {
        while (!d.empty()) {
            int n = mbedtls_ssl_write(&ssl_, reinterpret_cast<const unsigned char*>(d.data()),
                                      d.size());
            if (n == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
            if (n <= 0) return false;
            d.remove_prefix(static_cast<size_t>(n));
        }
        return true;
    }
    size_t read(char* out, size_t cap) override {
        for (;;) {
            int n = mbedtls_ssl_read(&ssl_, reinterpret_cast<unsigned char*>(out), cap);
            if (n == MBEDTLS_ERR_SSL_WANT_READ) continue;
            return n > 0 ? static_cast<size_t>(n) : 0;
        }
    }
    void closeNotify() { mbedtls_ssl_close_notify(&ssl_); }

private:
    int fd_;
    mbedtls_ssl_context ssl_;
};

void serveConn(ServerConn& c, const Handler& handler, ServerStats* stats) {
    for (;;) {
        if (!handler(c)) break;
        if (stats) ++stats->requests;
    }
}

}  // namespace

void TestServer::serveFd(int fd, const Credential* cred, const Handler& handler, ServerStats* stats,
                         TlsMax max) {
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (stats) ++stats->connections;
    if (!cred) {
        PlainConn c(fd);
        serveConn(c, handler, stats);
        return;
    }
    Tls tls(*cred, max);
    TlsConn c(fd, tls);
    if (c.handshake()) serveConn(c, handler, stats);
}

TestServer::TestServer(const Credential* cred, Handler handler, TlsMax max)
    : handler_(std::move(handler)) {
    if (cred) tls_ = std::make_unique<Tls>(*cred, max);
    listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listenFd_, 8) != 0 ||
        ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&a), &len) != 0 ||
        ::pipe(stopPipe_) != 0)
        throw std::runtime_error("test server cannot listen");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
}

TestServer::~TestServer() {
    char b = 0;
    (void)!::write(stopPipe_[1], &b, 1);
    // Wake a handler blocked on a kept-alive connection.
    int fd = activeFd_.load();
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
    thread_.join();
    ::close(listenFd_);
    ::close(stopPipe_[0]);
    ::close(stopPipe_[1]);
}

void TestServer::run() {
    for (;;) {
        pollfd p[2] = {{listenFd_, POLLIN, 0}, {stopPipe_[0], POLLIN, 0}};
        if (::poll(p, 2, -1) < 0 || (p[1].revents & POLLIN)) return;
        int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        timeval tv{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ++stats_.connections;
        activeFd_ = fd;
        if (!tls_) {
            PlainConn c(fd);
            serveConn(c, handler_, &stats_);
        } else {
            TlsConn c(fd, *tls_);
            if (c.handshake()) {
                serveConn(c, handler_, &stats_);
                c.closeNotify();
            }
        }
        activeFd_ = -1;
        ::close(fd);
    }
}

}  // namespace snapstage::net::test
