// SPDX-License-Identifier: MIT
// Internal to firmware/net: the Mbed TLS state behind TlsContext and TlsStream, shared by
// tls.cpp (set-up and I/O) and tls_verify.cpp (certificate checks and error messages). Builds
// against Mbed TLS 2.28 and 3.6: the differences are #ifs on MBEDTLS_VERSION_MAJOR and on the
// library's feature macros, in these three files only.
#pragma once

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include <cstdint>

#include "firmware/net/tls.h"

namespace snapstage::net {

struct TlsContext::Impl {
    static constexpr size_t kMaxPins = kMaxTlsPins;
    static constexpr size_t kSessionSlots = 4;

    struct SessionSlot {
        char key[272] = {};  // "host:port"
        mbedtls_ssl_session session;
        bool valid = false;
        uint64_t lastUse = 0;
        int64_t madeAt = 0;  // wall seconds when it was negotiated (or loaded as such)
    };

    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    int suites[12] = {};  // six TLS 1.2 suites, three TLS 1.3 suites (3.6), terminating 0
    char suiteText[400] = {};
    unsigned char pins[kMaxPins][32] = {};
    size_t pinCount = 0;
    SessionSlot sessions[kSessionSlots];
    uint64_t useCounter = 0;
    HandshakeCounts handshakes;  // completed, for the fleet metrics
    int64_t (*wallSeconds)() = nullptr;
    uint64_t trustId = 0;  // roots, pins and suites: sessions saved under others are not taken

    int64_t now() const noexcept;

    Impl() noexcept;
    ~Impl();
};

// What the verify callback saw, kept to explain a failure after the handshake returns.
struct VerifySeen {
    bool called = false;  // a certificate chain was verified (false: resumed session)
    bool pinMatched = false;
    bool pinMismatch = false;
    char leafPin[64] = {};           // "sha256/<base64>" of the leaf key
    char subject[256] = {};          // leaf subject DN
    char issuer[256] = {};           // leaf issuer DN
    char names[256] = {};            // leaf dNSName and iPAddress SANs, comma-separated
    mbedtls_x509_time futureFrom{};  // valid_from of a certificate not yet valid
    mbedtls_x509_time expiredAt{};   // valid_to of an expired certificate
};

struct TlsStream::Impl {
    mbedtls_ssl_context ssl;
    bool setUp = false;
    bool used = false;  // a handshake ran since setup (reset needed before the next)
    Stream* transport = nullptr;
    Error transportError;  // the transport's own error behind a failed record read or write
    bool transportFailed = false;
    const TlsContext::Impl* context = nullptr;
    VerifySeen seen;
    char host[256] = {};
    char sessionKey[272] = {};      // "host:port" of the cached session this connection refreshes
    unsigned char hostIp[16] = {};  // host as an IPv4 (4 bytes) or IPv6 (16) address
    size_t hostIpLen = 0;           // 0: host is a DNS name

    Impl() noexcept { mbedtls_ssl_init(&ssl); }
    ~Impl() { mbedtls_ssl_free(&ssl); }
};

// Sets the TLS versions, the suites (in `order`, kept in c.suites and c.suiteText), the signature
// algorithms and TLS 1.3 ticket reporting on c.conf (tls_protocol.cpp).
void configureProtocol(TlsContext::Impl& c, SuiteOrder order) noexcept;

// The verify callback installed on every session (p = TlsStream::Impl*).
int verifyCallback(void* p, mbedtls_x509_crt* crt, int depth, uint32_t* flags);

// Translates a failed handshake into the Errc::Tls* error with a plain message.
Error handshakeError(const TlsStream::Impl& s, int rc) noexcept;

// The address in `host` when it is an IPv4 or IPv6 literal: its length in `out` (4 or 16), or 0
// for a DNS name.
size_t parseIpLiteral(const char* host, unsigned char out[16]) noexcept;

// Keeps the session just negotiated (or the ticket just received) for s.sessionKey.
void saveSession(TlsContext::Impl& c, TlsStream::Impl& s) noexcept;

// "sha256/<base64>" digest of a certificate's SubjectPublicKeyInfo; false on failure.
bool spkiPin(mbedtls_x509_crt& crt, unsigned char digest[32], char* text, size_t cap) noexcept;

}  // namespace snapstage::net
