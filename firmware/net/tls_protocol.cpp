// SPDX-License-Identifier: MIT
// TLS protocol choices on Mbed TLS 2.28 and 3.6: versions (1.2, and 1.3 when the library has it),
// cipher suites in an order chosen for this CPU, signature algorithms, TLS 1.3 tickets.
#include <mbedtls/ssl_ciphersuites.h>
#include <sys/auxv.h>
#if defined(__arm__)
#include <asm/hwcap.h>  // HWCAP2_AES
#endif

#include <cstdio>

#include "firmware/net/tls.h"
#include "firmware/net/tls_internal.h"

namespace snapstage::net {
namespace {

#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
// Signature algorithms offered when TLS 1.2 and 1.3 are both on: RSA PKCS#1 v1.5 before RSA-PSS.
// Mbed TLS 3.6.6 (Debian 13's) rejects a TLS 1.2 ServerKeyExchange signed with RSA-PSS, which a
// server picks when the client lists it first (OpenSSL follows the client's order unless told
// to prefer its own); TLS 1.3 still gets RSA-PSS, the only RSA scheme it allows.
const uint16_t kSigAlgs[] = {
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256, MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP521R1_SHA512, MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,       MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA256,    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA512,    MBEDTLS_TLS1_3_SIG_NONE};
#endif

void buildSuites(TlsContext::Impl& c, SuiteOrder order) {
    bool chachaFirst = order == SuiteOrder::ChaChaFirst;
    if (order == SuiteOrder::Auto) {
        CpuCrypto cpu = detectCpuCrypto();
        chachaFirst = !(cpu.cpuHasAes && cpu.libraryUsesAes);
    }
    const int chacha[] = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                          MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256};
    const int aes[] = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                       MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                       MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                       MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384};
    size_t n = 0;
    auto add = [&](const int* list, size_t count) {
        for (size_t i = 0; i < count; ++i)
            c.suites[n++] = list[i];
    };
    if (chachaFirst) {
        add(chacha, 2);
        add(aes, 4);
    } else {
        add(aes, 4);
        add(chacha, 2);
    }
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
    // One list holds both versions' suites; each handshake uses those of its version. TLS 1.3's
    // are all AEAD with ephemeral key exchange, in the same order of preference.
    const int chacha13[] = {MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256};
    const int aes13[] = {MBEDTLS_TLS1_3_AES_128_GCM_SHA256, MBEDTLS_TLS1_3_AES_256_GCM_SHA384};
    if (chachaFirst) {
        add(chacha13, 1);
        add(aes13, 2);
    } else {
        add(aes13, 2);
        add(chacha13, 1);
    }
#endif
    c.suites[n] = 0;
    size_t len = 0;
    for (size_t i = 0; i < n; ++i)
        len += static_cast<size_t>(std::snprintf(c.suiteText + len, sizeof c.suiteText - len,
                                                 "%s%s", i ? "," : "",
                                                 mbedtls_ssl_get_ciphersuite_name(c.suites[i])));
}

}  // namespace

CpuCrypto detectCpuCrypto() noexcept {
    CpuCrypto c;
#if defined(__x86_64__) || defined(__i386__)
    c.cpuHasAes = __builtin_cpu_supports("aes");
#if defined(MBEDTLS_AESNI_C) && defined(MBEDTLS_HAVE_ASM) && defined(__x86_64__)
    c.libraryUsesAes = c.cpuHasAes;
#endif
#elif defined(__aarch64__)
    c.cpuHasAes = (::getauxval(AT_HWCAP) & HWCAP_AES) != 0;
#if defined(MBEDTLS_AESCE_C)  // Mbed TLS 3.x; 2.28 has software AES only on Arm
    c.libraryUsesAes = c.cpuHasAes;
#endif
#elif defined(__arm__)
    c.cpuHasAes = (::getauxval(AT_HWCAP2) & HWCAP2_AES) != 0;
#endif
    return c;
}

bool libraryHasTls13() noexcept {
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
    return true;
#else
    return false;
#endif
}

void configureProtocol(TlsContext::Impl& c, SuiteOrder order) noexcept {
#if MBEDTLS_VERSION_MAJOR >= 3
    mbedtls_ssl_conf_min_tls_version(&c.conf, MBEDTLS_SSL_VERSION_TLS1_2);
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
    mbedtls_ssl_conf_max_tls_version(&c.conf, MBEDTLS_SSL_VERSION_TLS1_3);
    mbedtls_ssl_conf_sig_algs(&c.conf, kSigAlgs);
#endif
#else
    mbedtls_ssl_conf_min_version(&c.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
    buildSuites(c, order);
    mbedtls_ssl_conf_ciphersuites(&c.conf, c.suites);
#if defined(MBEDTLS_SSL_PROTO_TLS1_3) && defined(MBEDTLS_SSL_SESSION_TICKETS) && \
    defined(MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED)
    // TLS 1.3 resumption: tickets arrive after the handshake, reported by mbedtls_ssl_read (the
    // client ignores them by default), and are kept then.
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
        &c.conf, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#endif
}

}  // namespace snapstage::net
