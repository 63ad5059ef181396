// SPDX-License-Identifier: MIT
// Certificate checks on top of Mbed TLS's chain verification (public-key pins, details kept for
// messages, iPAddress names on Mbed TLS 2.28) and the translation of handshake failures into
// plain messages.
#include <arpa/inet.h>
#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include <cstdio>
#include <cstring>
#include <ctime>

#include "firmware/net/tls_internal.h"

namespace snapstage::net {
namespace {

void formatTime(const mbedtls_x509_time& t, char* out, size_t cap) noexcept {
    std::snprintf(out, cap, "%04d-%02d-%02d %02d:%02d UTC", t.year, t.mon, t.day, t.hour, t.min);
}

void formatNow(int64_t (*wallSeconds)(), char* out, size_t cap) noexcept {
    time_t now = wallSeconds ? static_cast<time_t>(wallSeconds()) : ::time(nullptr);
    struct tm tm {};
    ::gmtime_r(&now, &tm);
    std::snprintf(out, cap, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min);
}

// The CN of a DN text "C=US, O=x, CN=name" (the whole text when it has no CN).
const char* commonName(const char* dn) noexcept {
    const char* cn = std::strstr(dn, "CN=");
    return cn ? cn + 3 : dn;
}

constexpr int kSanDnsTag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2;  // dNSName [2] IA5String
constexpr int kSanIpTag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;   // iPAddress [7] OCTET STRING

// The leaf's dNSName and iPAddress SANs as text, comma-separated, for messages.
void collectNames(const mbedtls_x509_crt& crt, char* out, size_t cap) noexcept {
    size_t len = 0;
    out[0] = '\0';
    for (const mbedtls_x509_sequence* s = &crt.subject_alt_names; s && s->buf.p; s = s->next) {
        char ip[INET6_ADDRSTRLEN] = {};
        const char* text = nullptr;
        int textLen = 0;
        if (s->buf.tag == kSanDnsTag) {
            text = reinterpret_cast<const char*>(s->buf.p);
            textLen = static_cast<int>(s->buf.len);
        } else if (s->buf.tag == kSanIpTag && (s->buf.len == 4 || s->buf.len == 16) &&
                   ::inet_ntop(s->buf.len == 4 ? AF_INET : AF_INET6, s->buf.p, ip, sizeof ip)) {
            text = ip;
            textLen = static_cast<int>(std::strlen(ip));
        } else {
            continue;
        }
        int n = std::snprintf(out + len, cap - len, "%s%.*s", len ? ", " : "", textLen, text);
        if (n < 0 || static_cast<size_t>(n) >= cap - len) break;
        len += static_cast<size_t>(n);
    }
}

#if MBEDTLS_VERSION_MAJOR < 3
// Mbed TLS 2.28 compares the host only with dNSName SANs (or the CN): for an IP literal, an
// iPAddress SAN holding exactly that address also matches. 3.6 does this itself.
bool ipSanMatches(const mbedtls_x509_crt& crt, const unsigned char* ip, size_t ipLen) noexcept {
    for (const mbedtls_x509_sequence* s = &crt.subject_alt_names; s && s->buf.p; s = s->next)
        if (s->buf.tag == kSanIpTag && s->buf.len == ipLen && std::memcmp(s->buf.p, ip, ipLen) == 0)
            return true;
    return false;
}
#endif

}  // namespace

size_t parseIpLiteral(const char* host, unsigned char out[16]) noexcept {
    if (::inet_pton(AF_INET, host, out) == 1) return 4;
    if (::inet_pton(AF_INET6, host, out) == 1) return 16;
    return 0;
}

bool spkiPin(mbedtls_x509_crt& crt, unsigned char digest[32], char* text, size_t cap) noexcept {
    unsigned char der[2048];
    int len = mbedtls_pk_write_pubkey_der(&crt.pk, der, sizeof der);
    if (len <= 0) return false;
        // mbedtls_pk_write_pubkey_der writes at the end of the buffer.
#if MBEDTLS_VERSION_MAJOR >= 3
    if (mbedtls_sha256(der + sizeof der - static_cast<size_t>(len), static_cast<size_t>(len),
                       digest, 0) != 0)
        return false;
#else
    if (mbedtls_sha256_ret(der + sizeof der - static_cast<size_t>(len), static_cast<size_t>(len),
                           digest, 0) != 0)
        return false;
#endif
    if (text && cap > 7) {
        std::memcpy(text, "sha256/", 7);
        size_t n = 0;
        if (mbedtls_base64_encode(reinterpret_cast<unsigned char*>(text + 7), cap - 7, &n, digest,
                                  32) != 0)
            text[7] = '\0';
    }
    return true;
}

int verifyCallback(void* p, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
    auto* s = static_cast<TlsStream::Impl*>(p);
    VerifySeen& seen = s->seen;
    seen.called = true;
    if (*flags & MBEDTLS_X509_BADCERT_FUTURE) seen.futureFrom = crt->valid_from;
    if (*flags & MBEDTLS_X509_BADCERT_EXPIRED) seen.expiredAt = crt->valid_to;
    unsigned char digest[32];
    char* text = depth == 0 ? seen.leafPin : nullptr;
    if (s->context->pinCount > 0 || depth == 0) {
        if (spkiPin(*crt, digest, text, sizeof seen.leafPin))
            for (size_t i = 0; i < s->context->pinCount; ++i)
                if (std::memcmp(digest, s->context->pins[i], 32) == 0) seen.pinMatched = true;
    }
    if (depth != 0) return 0;
    // The chain is reported top-down, so the leaf comes last: decide on the pins here.
    mbedtls_x509_dn_gets(seen.subject, sizeof seen.subject, &crt->subject);
    mbedtls_x509_dn_gets(seen.issuer, sizeof seen.issuer, &crt->issuer);
    collectNames(*crt, seen.names, sizeof seen.names);
#if MBEDTLS_VERSION_MAJOR < 3
    // Clears only the name mismatch, only for an exact address: every other flag stays.
    if ((*flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) && s->hostIpLen > 0 &&
        ipSanMatches(*crt, s->hostIp, s->hostIpLen))
        *flags &= ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_CN_MISMATCH);
#endif
    if (s->context->pinCount > 0 && !seen.pinMatched) {
        seen.pinMismatch = true;
        *flags |= MBEDTLS_X509_BADCERT_OTHER;
    }
    return 0;
}

namespace {

Error verifyError(const TlsStream::Impl& s, int rc, uint32_t flags) noexcept {
    char when[40];
    char now[40];
    formatNow(s.context->wallSeconds, now, sizeof now);
    if (flags & MBEDTLS_X509_BADCERT_FUTURE) {
        formatTime(s.seen.futureFrom, when, sizeof when);
        return Error::format(Errc::TlsNotYetValid, rc,
                             "the certificate of %s is valid only from %s, but the clock reads "
                             "%s: the clock may be unset; set the time (NTP) and retry",
                             s.host, when, now);
    }
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED) {
        formatTime(s.seen.expiredAt, when, sizeof when);
        return Error::format(Errc::TlsExpired, rc,
                             "the certificate of %s expired on %s (the clock reads %s): the "
                             "server must renew it, or set the clock if it is wrong",
                             s.host, when, now);
    }
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        return Error::format(Errc::TlsUntrusted, rc,
                             "the certificate of %s is issued by \"%s\", which is not a trusted "
                             "CA: pass the CA with --ca FILE or set tls.ca_file",
                             s.host, commonName(s.seen.issuer));
    if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
        return Error::format(Errc::TlsHostname, rc,
                             "the certificate is for %s, not %s: check the host name in the URL",
                             s.seen.names[0] ? s.seen.names : commonName(s.seen.subject), s.host);
    if (s.seen.pinMismatch && flags == MBEDTLS_X509_BADCERT_OTHER)
        return Error::format(Errc::TlsPin, rc,
                             "the public key of %s (%s) matches none of the configured tls.pins: "
                             "update the pins if the server changed its key",
                             s.host, s.seen.leafPin);
    char info[160];
    int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
    if (n > 0 && info[n - 1] == '\n') info[n - 1] = '\0';
    return Error::format(Errc::TlsUntrusted, rc, "the certificate of %s was refused: %s", s.host,
                         info);
}

}  // namespace

Error handshakeError(const TlsStream::Impl& s, int rc) noexcept {
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        uint32_t flags = mbedtls_ssl_get_verify_result(&s.ssl);
        return verifyError(s, rc, flags);
    }
    if (s.transportFailed) return s.transportError.withContext("during the TLS handshake");
    char text[120];
    mbedtls_strerror(rc, text, sizeof text);
    switch (rc) {
        case MBEDTLS_ERR_SSL_CONN_EOF:
            return Error::format(Errc::TlsHandshake, rc,
                                 "%s closed the connection during the TLS handshake: is this an "
                                 "https port, and does the server accept TLS 1.2?",
                                 s.host);
        case MBEDTLS_ERR_SSL_INVALID_RECORD:
#if MBEDTLS_VERSION_MAJOR >= 3
        case MBEDTLS_ERR_SSL_DECODE_ERROR:  // 3.x's code for a malformed ServerHello
#else
        case MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO:
#endif
            return Error::format(Errc::TlsHandshake, rc,
                                 "%s did not answer in TLS: is the URL's port an https port? "
                                 "(Mbed TLS: %s)",
                                 s.host, text);
        case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
            return Error::format(Errc::TlsHandshake, rc,
                                 "%s refused the TLS handshake (no common protocol version or "
                                 "cipher suite?): %s",
                                 s.host, text);
        default:
            return Error::format(Errc::TlsHandshake, rc, "TLS handshake with %s failed: %s", s.host,
                                 text);
    }
}

}  // namespace snapstage::net
