// SPDX-License-Identifier: MIT
// In-process test PKI on Mbed TLS (2.28 or 3.6).
#include "tests/unit/net/test_pki.h"

#include <arpa/inet.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_MAJOR >= 3
#include <psa/crypto.h>
#endif

#include <stdexcept>

namespace snapstage::net::test {
namespace {

struct Rng {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    Rng() {
#if MBEDTLS_VERSION_MAJOR >= 3
        if (psa_crypto_init() != PSA_SUCCESS) throw std::runtime_error("psa_crypto_init");
#endif
        mbedtls_entropy_init(&entropy);
        mbedtls_ctr_drbg_init(&drbg);
        if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, nullptr, 0) != 0)
            throw std::runtime_error("drbg");
    }
    ~Rng() {
        mbedtls_ctr_drbg_free(&drbg);
        mbedtls_entropy_free(&entropy);
    }
};

Rng& rng() {
    static Rng r;
    return r;
}

void check(int rc, const char* what) {
    if (rc < 0) throw std::runtime_error(std::string(what) + " failed: " + std::to_string(rc));
}

std::string newKeyPem(mbedtls_pk_context& key) {
    check(mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), "pk_setup");
    check(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key), mbedtls_ctr_drbg_random,
                              &rng().drbg),
          "ecp_gen_key");
    unsigned char buf[2048];
    check(mbedtls_pk_write_key_pem(&key, buf, sizeof buf), "write_key_pem");
    return reinterpret_cast<char*>(buf);
}

// SubjectAltName extension value: SEQUENCE OF [2] dNSName, or [7] iPAddress for "IP:<address>".
std::string sanDer(const std::vector<std::string>& names) {
    std::string inner;
    for (const auto& n : names) {
        std::string value = n;
        char tag = static_cast<char>(0x82);
        if (n.rfind("IP:", 0) == 0) {
            unsigned char addr[16];
            std::string text = n.substr(3);
            bool v4 = ::inet_pton(AF_INET, text.c_str(), addr) == 1;
            if (!v4 && ::inet_pton(AF_INET6, text.c_str(), addr) != 1)
                throw std::runtime_error("bad IP SAN " + n);
            value.assign(reinterpret_cast<const char*>(addr), v4 ? 4 : 16);
            tag = static_cast<char>(0x87);
        }
        inner += tag;
        inner += static_cast<char>(value.size());
        inner += value;
    }
    return std::string(1, '\x30') + static_cast<char>(inner.size()) + inner;
}

std::string writeCert(mbedtls_pk_context& subjectKey, mbedtls_pk_context& issuerKey,
                      const std::string& subject, const std::string& issuer, bool ca,
                      const std::vector<std::string>& names, const char* notBefore,
                      const char* notAfter) {
    static int serialCounter = 1;
    mbedtls_x509write_cert crt;
    mbedtls_x509write_crt_init(&crt);
    mbedtls_mpi serial;
    mbedtls_mpi_init(&serial);
    check(mbedtls_mpi_lset(&serial, ++serialCounter), "serial");
#if MBEDTLS_VERSION_MAJOR >= 3
    unsigned char serialRaw[4];
    check(mbedtls_mpi_write_binary(&serial, serialRaw, sizeof serialRaw), "serial bytes");
#endif
    mbedtls_x509write_crt_set_subject_key(&crt, &subjectKey);
    mbedtls_x509write_crt_set_issuer_key(&crt, &issuerKey);
    check(mbedtls_x509write_crt_set_subject_name(&crt, subject.c_str()), "subject");
    check(mbedtls_x509write_crt_set_issuer_name(&crt, issuer.c_str()), "issuer");
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
#if MBEDTLS_VERSION_MAJOR >= 3
    check(mbedtls_x509write_crt_set_serial_raw(&crt, serialRaw, sizeof serialRaw), "set_serial");
#else
    check(mbedtls_x509write_crt_set_serial(&crt, &serial), "set_serial");
#endif
    check(mbedtls_x509write_crt_set_validity(&crt, notBefore, notAfter), "validity");
    check(mbedtls_x509write_crt_set_basic_constraints(&crt, ca ? 1 : 0, -1), "constraints");
    if (!names.empty()) {
        std::string der = sanDer(names);
        check(
            mbedtls_x509write_crt_set_extension(
                &crt, MBEDTLS_OID_SUBJECT_ALT_NAME, MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME),
                0, reinterpret_cast<const unsigned char*>(der.data()), der.size()),
            "san");
    }
    unsigned char buf[4096];
    check(mbedtls_x509write_crt_pem(&crt, buf, sizeof buf, mbedtls_ctr_drbg_random, &rng().drbg),
          "crt_pem");
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&crt);
    return reinterpret_cast<char*>(buf);
}

void parseKey(mbedtls_pk_context& key, const std::string& pem) {
#if MBEDTLS_VERSION_MAJOR >= 3
    check(mbedtls_pk_parse_key(&key, reinterpret_cast<const unsigned char*>(pem.c_str()),
                               pem.size() + 1, nullptr, 0, mbedtls_ctr_drbg_random, &rng().drbg),
          "parse_key");
#else
    check(mbedtls_pk_parse_key(&key, reinterpret_cast<const unsigned char*>(pem.c_str()),
                               pem.size() + 1, nullptr, 0),
          "parse_key");
#endif
}

}  // namespace

Credential makeCa(const char* cn) {
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    Credential c;
    c.keyPem = newKeyPem(key);
    std::string dn = std::string("CN=") + cn + ",O=snapstage tests";
    c.certPem = writeCert(key, key, dn, dn, true, {}, "20200101000000", "20991231235959");
    mbedtls_pk_free(&key);
    return c;
}

Credential makeLeaf(const Credential* issuer, const char* issuerCn,
                    const std::vector<std::string>& names, const char* notBefore,
                    const char* notAfter) {
    mbedtls_pk_context key, issuerKey;
    mbedtls_pk_init(&key);
    mbedtls_pk_init(&issuerKey);
    Credential c;
    c.keyPem = newKeyPem(key);
    std::string cn = names.at(0).rfind("IP:", 0) == 0 ? names[0].substr(3) : names[0];
    std::string subject = "CN=" + cn;
    std::string issuerDn = issuer ? std::string("CN=") + issuerCn + ",O=snapstage tests" : subject;
    if (issuer) parseKey(issuerKey, issuer->keyPem);
    c.certPem = writeCert(key, issuer ? issuerKey : key, subject, issuerDn, false, names, notBefore,
                          notAfter);
    mbedtls_pk_free(&issuerKey);
    mbedtls_pk_free(&key);
    return c;
}

std::string pinOf(const std::string& certPem) {
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    check(mbedtls_x509_crt_parse(&crt, reinterpret_cast<const unsigned char*>(certPem.c_str()),
                                 certPem.size() + 1),
          "crt_parse");
    unsigned char der[1024];
    int len = mbedtls_pk_write_pubkey_der(&crt.pk, der, sizeof der);
    check(len, "pubkey_der");
    unsigned char digest[32];
#if MBEDTLS_VERSION_MAJOR >= 3
    mbedtls_sha256(der + sizeof der - len, static_cast<size_t>(len), digest, 0);
#else
    mbedtls_sha256_ret(der + sizeof der - len, static_cast<size_t>(len), digest, 0);
#endif
    unsigned char b64[64];
    size_t n = 0;
    mbedtls_base64_encode(b64, sizeof b64, &n, digest, 32);
    mbedtls_x509_crt_free(&crt);
    return "sha256/" + std::string(reinterpret_cast<char*>(b64), n);
}

}  // namespace snapstage::net::test
