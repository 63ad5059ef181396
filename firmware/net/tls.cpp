// SPDX-License-Identifier: MIT
// TLS on Mbed TLS 2.28 and 3.6: context set-up (roots, DRBG, ALPN, sessions) and stream I/O.
// Versions, suites and signature algorithms are chosen in tls_protocol.cpp.
#include "firmware/net/tls.h"

#include <mbedtls/base64.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/version.h>
#if MBEDTLS_VERSION_MAJOR >= 3
#include <psa/crypto.h>
#endif

#include <cstdio>
#include <cstring>
#include <ctime>
#include <new>

#include "firmware/net/tls_internal.h"

namespace snapstage::net {
namespace {

const char* kAlpnList[] = {"http/1.1", nullptr};

int bioSend(void* p, const unsigned char* buf, size_t len) {
    auto* s = static_cast<TlsStream::Impl*>(p);
    auto n = s->transport->write(std::span(reinterpret_cast<const std::byte*>(buf), len));
    if (!n) {
        s->transportError = n.error();
        s->transportFailed = true;
        return MBEDTLS_ERR_NET_SEND_FAILED;
    }
    return static_cast<int>(*n);
}

int bioRecv(void* p, unsigned char* buf, size_t len) {
    auto* s = static_cast<TlsStream::Impl*>(p);
    auto n = s->transport->read(std::span(reinterpret_cast<std::byte*>(buf), len));
    if (!n) {
        s->transportError = n.error();
        s->transportFailed = true;
        return MBEDTLS_ERR_NET_RECV_FAILED;
    }
    return static_cast<int>(*n);  // 0: EOF, Mbed TLS reports MBEDTLS_ERR_SSL_CONN_EOF
}

Status loadRoots(TlsContext::Impl& c, const TlsSettings& settings) {
    int rc;
    const char* source;
    if (!settings.caPem.empty()) {
        source = "the built-in roots";
        rc = mbedtls_x509_crt_parse(&c.ca,
                                    reinterpret_cast<const unsigned char*>(settings.caPem.c_str()),
                                    settings.caPem.size() + 1);
    } else {
        source = settings.caFile.empty() ? kSystemCaBundle : settings.caFile.c_str();
        rc = mbedtls_x509_crt_parse_file(&c.ca, source);
    }
    // A positive result counts certificates that failed to parse; the rest are usable.
    if (rc < 0 || c.ca.version == 0) {
        char text[120];
        mbedtlsErrorText(rc, text, sizeof text);
        return failf(Errc::TlsConfig, rc,
                     "cannot load trusted CA certificates from %s (%s): install ca-certificates "
                     "or set tls.ca_file / --ca to a PEM file",
                     source, rc < 0 ? text : "no certificate in it");
    }
    return okStatus();
}

Status loadPins(TlsContext::Impl& c, std::span<const std::string> pins) {
    if (pins.size() > TlsContext::Impl::kMaxPins)
        return fail(Errc::TlsConfig, "more than 8 tls.pins configured");
    for (const std::string& pin : pins) {
        SNAPSTAGE_TRY(checkPinSyntax(pin));
        size_t n = 0;
        mbedtls_base64_decode(c.pins[c.pinCount], 32, &n,
                              reinterpret_cast<const unsigned char*>(pin.data() + 7),
                              pin.size() - 7);
        ++c.pinCount;
    }
    return okStatus();
}

}  // namespace

const char* mbedtlsRuntimeVersion() noexcept {
    static char text[18];
    if (!text[0]) mbedtls_version_get_string(text);
    return text;
}

void mbedtlsErrorText(int code, char* out, size_t capacity) noexcept {
    mbedtls_strerror(code, out, capacity);
}

Status checkPinSyntax(std::string_view pin) noexcept {
    unsigned char digest[48];
    size_t n = 0;
    if (pin.size() < 8 || pin.substr(0, 7) != "sha256/" ||
        mbedtls_base64_decode(digest, sizeof digest, &n,
                              reinterpret_cast<const unsigned char*>(pin.data() + 7),
                              pin.size() - 7) != 0 ||
        n != 32)
        return failf(Errc::TlsConfig, 0,
                     "bad pin \"%.*s\": write sha256/ then the base64 of the 32-byte SHA-256 of "
                     "the server's SubjectPublicKeyInfo",
                     static_cast<int>(pin.size() > 80 ? 80 : pin.size()), pin.data());
    return okStatus();
}

namespace {

// FNV-1a over the trust roots' DER, the pins and the suites offered: what a session was
// verified under. A session saved under other settings must not be resumed (a pin removed, a
// root distrusted).
uint64_t trustIdOf(const TlsContext::Impl& c) noexcept {
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](const void* p, size_t n) {
        const auto* b = static_cast<const unsigned char*>(p);
        for (size_t i = 0; i < n; ++i) {
            h ^= b[i];
            h *= 1099511628211ull;
        }
    };
    for (const mbedtls_x509_crt* crt = &c.ca; crt && crt->version != 0; crt = crt->next)
        mix(crt->raw.p, crt->raw.len);
    mix(c.pins, sizeof c.pins[0] * c.pinCount);
    mix(c.suites, sizeof c.suites);
    return h;
}

}  // namespace

TlsContext::Impl::Impl() noexcept {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&ca);
    for (SessionSlot& s : sessions)
        mbedtls_ssl_session_init(&s.session);
}

TlsContext::Impl::~Impl() {
    for (SessionSlot& s : sessions)
        mbedtls_ssl_session_free(&s.session);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ssl_config_free(&conf);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
}

TlsContext::TlsContext() noexcept = default;
TlsContext::~TlsContext() = default;

Status TlsContext::init(const TlsSettings& settings) noexcept {
    impl_.reset();
    std::unique_ptr<Impl> c(new (std::nothrow) Impl);
    if (!c) return fail(Errc::NoMemory, "no memory for the TLS context");
#if MBEDTLS_VERSION_MAJOR >= 3
    // TLS 1.3 and the X.509 code of 3.x run on PSA crypto, which must be set up first. Repeated
    // calls are cheap and harmless.
    if (psa_status_t ps = psa_crypto_init(); ps != PSA_SUCCESS)
        return failf(Errc::TlsConfig, static_cast<int>(ps), "cannot start PSA crypto (%d)",
                     static_cast<int>(ps));
#endif
    static const unsigned char kPersonal[] = "snapstage tls";
    int rc = mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy, kPersonal,
                                   sizeof kPersonal - 1);
    if (rc != 0) return failf(Errc::TlsConfig, rc, "cannot seed the TLS random generator");
    SNAPSTAGE_TRY(loadRoots(*c, settings));
    SNAPSTAGE_TRY(loadPins(*c, settings.pins));
    rc = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) return failf(Errc::TlsConfig, rc, "cannot set up the TLS configuration");
    // Verification is required, always: there is deliberately no way to relax this.
    mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, nullptr);
    mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
    configureProtocol(*c, settings.suiteOrder);
    rc = mbedtls_ssl_conf_alpn_protocols(&c->conf, kAlpnList);
    if (rc != 0) return failf(Errc::TlsConfig, rc, "cannot set ALPN");
    mbedtls_ssl_conf_session_tickets(&c->conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
    mbedtls_ssl_conf_renegotiation(&c->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
    c->wallSeconds = settings.wallSeconds;
    c->trustId = trustIdOf(*c);
    impl_ = std::move(c);
    return okStatus();
}

const char* TlsContext::suiteOrderText() const noexcept {
    return impl_ ? impl_->suiteText : "";
}

size_t TlsContext::caCount() const noexcept {
    size_t n = 0;
    if (impl_)
        for (const mbedtls_x509_crt* c = &impl_->ca; c && c->version != 0; c = c->next)
            ++n;
    return n;
}

HandshakeCounts TlsContext::handshakes() const noexcept {
    return impl_ ? impl_->handshakes : HandshakeCounts{};
}

void TlsContext::clearSessions() noexcept {
    if (!impl_) return;
    for (Impl::SessionSlot& s : impl_->sessions) {
        mbedtls_ssl_session_free(&s.session);
        mbedtls_ssl_session_init(&s.session);
        s.valid = false;
    }
}

TlsStream::TlsStream() noexcept = default;
TlsStream::~TlsStream() = default;

Status TlsStream::init(TlsContext& context) noexcept {
    if (!context.ready()) return fail(Errc::Internal, "TlsStream::init before TlsContext::init");
    impl_.reset(new (std::nothrow) Impl);
    if (!impl_) return fail(Errc::NoMemory, "no memory for a TLS session");
    int rc = mbedtls_ssl_setup(&impl_->ssl, &context.impl_->conf);
    if (rc != 0) return failf(Errc::NoMemory, rc, "no memory for the TLS record buffers");
    mbedtls_ssl_set_verify(&impl_->ssl, verifyCallback, impl_.get());
    impl_->setUp = true;
    impl_->context = context.impl_.get();
    context_ = &context;
    return okStatus();
}

namespace {

TlsContext::Impl::SessionSlot* findSlot(TlsContext::Impl& c, const char* key, bool forWrite) {
    TlsContext::Impl::SessionSlot* oldest = &c.sessions[0];
    for (auto& s : c.sessions) {
        if (s.valid && std::strcmp(s.key, key) == 0) return &s;
        if (!s.valid || s.lastUse < oldest->lastUse) oldest = &s;
    }
    return forWrite ? oldest : nullptr;
}

}  // namespace

void saveSession(TlsContext::Impl& c, TlsStream::Impl& s) noexcept {
    auto* slot = findSlot(c, s.sessionKey, true);
    // mbedtls_ssl_get_session wants a freshly initialised session (3.x).
    mbedtls_ssl_session_free(&slot->session);
    mbedtls_ssl_session_init(&slot->session);
    slot->valid = mbedtls_ssl_get_session(&s.ssl, &slot->session) == 0;
    std::snprintf(slot->key, sizeof slot->key, "%s", s.sessionKey);
    slot->lastUse = ++c.useCounter;
    slot->madeAt = c.now();
}

int64_t TlsContext::Impl::now() const noexcept {
    return wallSeconds ? wallSeconds() : static_cast<int64_t>(::time(nullptr));
}

Status TlsStream::handshake(Stream& transport, std::string_view host, uint16_t port) noexcept {
    if (!impl_ || !impl_->setUp) return fail(Errc::Internal, "TlsStream used before init");
    if (host.empty() || host.size() >= sizeof impl_->host)
        return fail(Errc::InvalidArgument, "bad host name for TLS");
    Impl& s = *impl_;
    if (s.used) mbedtls_ssl_session_reset(&s.ssl);
    s.used = true;
    established_ = false;
    info_ = TlsInfo{};
    std::memcpy(s.host, host.data(), host.size());
    s.host[host.size()] = '\0';
    s.transport = &transport;
    s.transportFailed = false;
    s.seen = VerifySeen{};
    s.hostIpLen = parseIpLiteral(s.host, s.hostIp);
    // Always set: without it Mbed TLS 2.28 skips the host-name check without a word. For an IP
    // literal, 3.6 checks iPAddress SANs itself; on 2.28 the verify callback does.
    int rc = mbedtls_ssl_set_hostname(&s.ssl, s.host);
    if (rc != 0) return failf(Errc::TlsConfig, rc, "cannot set the TLS host name %s", s.host);
    mbedtls_ssl_set_bio(&s.ssl, &s, bioSend, bioRecv, nullptr);

    std::snprintf(s.sessionKey, sizeof s.sessionKey, "%s:%u", s.host, static_cast<unsigned>(port));
    TlsContext::Impl& ctx = *context_->impl_;
    TlsContext::Impl::SessionSlot* offered = findSlot(ctx, s.sessionKey, false);
    if (offered) mbedtls_ssl_set_session(&s.ssl, &offered->session);

    for (;;) {
        rc = mbedtls_ssl_handshake(&s.ssl);
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
        if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
            saveSession(ctx, s);
            continue;
        }
#endif
        break;
    }
    if (rc != 0) {
        s.transport = nullptr;
        // A session that led to a failed handshake is not offered again: the retry is a full
        // handshake (a session spoiled on disk, or one the server half remembers).
        if (offered) offered->valid = false;
        return fail(handshakeError(s, rc));
    }
    info_.version = mbedtls_ssl_get_version(&s.ssl);
    info_.ciphersuite = mbedtls_ssl_get_ciphersuite(&s.ssl);
    const char* alpn = mbedtls_ssl_get_alpn_protocol(&s.ssl);
    info_.alpn = alpn ? alpn : "";
    info_.resumed = !s.seen.called;
    ++(info_.resumed ? ctx.handshakes.resumed : ctx.handshakes.full);
    if (const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&s.ssl)) {
        tm t{};
        t.tm_year = peer->valid_to.year - 1900;
        t.tm_mon = peer->valid_to.mon - 1;
        t.tm_mday = peer->valid_to.day;
        t.tm_hour = peer->valid_to.hour;
        t.tm_min = peer->valid_to.min;
        t.tm_sec = peer->valid_to.sec;
        info_.peerNotAfter = static_cast<int64_t>(timegm(&t));
    }
    // TLS 1.2 sessions are kept now; TLS 1.3 ones when their ticket comes (read()).
    if (!info_.resumed && std::strcmp(info_.version, "TLSv1.2") == 0)
        saveSession(ctx, s);
    else if (auto* slot = findSlot(ctx, s.sessionKey, false))
        slot->lastUse = ++ctx.useCounter;
    established_ = true;
    return okStatus();
}

void TlsStream::close() noexcept {
    if (!impl_) return;
    if (established_ && impl_->transport && !impl_->transportFailed) {
        int rc;
        do {
            rc = mbedtls_ssl_close_notify(&impl_->ssl);
        } while (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ);
    }
    established_ = false;
    impl_->transport = nullptr;
}

namespace {

Error ioError(TlsStream::Impl& s, int rc, const char* what) noexcept {
    if (s.transportFailed) return s.transportError;
    if (rc == MBEDTLS_ERR_SSL_CONN_EOF || rc == MBEDTLS_ERR_NET_CONN_RESET)
        return Error::format(Errc::NetClosed, rc, "%s closed the connection while %s", s.host,
                             what);
    char text[120];
    mbedtls_strerror(rc, text, sizeof text);
    return Error::format(Errc::TlsIo, rc, "TLS error while %s %s: %s", what, s.host, text);
}

}  // namespace

Result<size_t> TlsStream::read(std::span<std::byte> out) noexcept {
    if (!established_) return fail(Errc::NetClosed, "read on a closed TLS connection");
    Impl& s = *impl_;
    for (;;) {
        int rc = mbedtls_ssl_read(&s.ssl, reinterpret_cast<unsigned char*>(out.data()), out.size());
        if (rc > 0) return static_cast<size_t>(rc);
        // Retried with the same arguments, as Mbed TLS requires.
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
        if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
            saveSession(*context_->impl_, s);
            continue;
        }
#endif
        // close_notify, or a plain EOF: the HTTP layer decides whether the body was complete.
        if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
            (rc == MBEDTLS_ERR_SSL_CONN_EOF && !s.transportFailed))
            return size_t{0};
        return fail(ioError(s, rc, "reading from"));
    }
}

Result<size_t> TlsStream::write(std::span<const std::byte> data) noexcept {
    if (!established_) return fail(Errc::NetClosed, "write on a closed TLS connection");
    Impl& s = *impl_;
    for (;;) {
        // May write less than asked (one record at most): callers loop (writeAll).
        int rc = mbedtls_ssl_write(&s.ssl, reinterpret_cast<const unsigned char*>(data.data()),
                                   data.size());
        if (rc >= 0) return static_cast<size_t>(rc);
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        return fail(ioError(s, rc, "writing to"));
    }
}

}  // namespace snapstage::net
