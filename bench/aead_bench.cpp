// SPDX-License-Identifier: MIT
// AEAD benchmark: the linked Mbed TLS's record ciphers (AES-128-GCM, AES-256-GCM,
// ChaCha20-Poly1305) sealing 16 KiB records, the largest TLS sends. Prints MB/s of CPU time and
// the CPU one cloud job's bodies cost through each (6.94 MB: the 12 MP photo up, the result down,
// as bench/job_vs_clients.py measures them). aead_vs_openssl.py runs it beside `openssl speed`.
#include <mbedtls/cipher.h>
#include <mbedtls/version.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

namespace {

constexpr size_t kRecord = 16384;
constexpr double kJobBytes = 6.94e6;

double cpuSeconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Seals records for at least `seconds` of CPU; bytes per second, or a negative Mbed TLS error.
double seal(mbedtls_cipher_type_t type, double seconds) {
    const mbedtls_cipher_info_t* info = mbedtls_cipher_info_from_type(type);
    if (!info) return -1;
    mbedtls_cipher_context_t c;
    mbedtls_cipher_init(&c);
    unsigned char key[32] = {1, 2, 3}, iv[12] = {4, 5, 6}, aad[13] = {7};
    std::vector<unsigned char> in(kRecord, 0x5a), out(kRecord + 16);
#if MBEDTLS_VERSION_MAJOR >= 3
    int bits = static_cast<int>(mbedtls_cipher_info_get_key_bitlen(info));
#else
    int bits = static_cast<int>(info->key_bitlen);
#endif
    int ret = mbedtls_cipher_setup(&c, info);
    if (!ret) ret = mbedtls_cipher_setkey(&c, key, bits, MBEDTLS_ENCRYPT);
    double bytes = 0, start = cpuSeconds(), elapsed = 0;
    while (!ret && elapsed < seconds) {
        for (int i = 0; i < 64 && !ret; ++i, bytes += kRecord) {
            size_t olen = 0;
            ret = mbedtls_cipher_auth_encrypt_ext(&c, iv, sizeof iv, aad, sizeof aad, in.data(),
                                                  in.size(), out.data(), out.size(), &olen, 16);
            ++iv[11];  // a fresh nonce per record, as TLS's sequence number gives
        }
        elapsed = cpuSeconds() - start;
    }
    mbedtls_cipher_free(&c);
    return ret ? ret : bytes / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
    if (argc > 2 || seconds <= 0) {
        std::fprintf(stderr, "usage: aead_bench [SECONDS per cipher, default 1]\n");
        return 2;
    }
    char version[32] = {};
    mbedtls_version_get_string(version);
    std::printf("Mbed TLS %s, %zu-byte records\n", version, kRecord);
    const struct {
        mbedtls_cipher_type_t type;
        const char* name;
    } ciphers[] = {{MBEDTLS_CIPHER_AES_128_GCM, "aes-128-gcm"},
                   {MBEDTLS_CIPHER_AES_256_GCM, "aes-256-gcm"},
                   {MBEDTLS_CIPHER_CHACHA20_POLY1305, "chacha20-poly1305"}};
    for (const auto& c : ciphers) {
        double rate = seal(c.type, seconds);
        if (rate < 0) {
            std::printf("%-18s error %d\n", c.name, static_cast<int>(rate));
            return 1;
        }
        std::printf("%-18s %7.0f MB/s  %5.1f ms per job\n", c.name, rate / 1e6,
                    kJobBytes / rate * 1e3);
    }
    return 0;
}
