// SPDX-License-Identifier: MIT
// TLS on Mbed TLS 2.28 or 3.6: a shared client context (trust roots loaded once, DRBG,
// cipher-suite preference chosen for this CPU, ALPN, a small session cache for resumption,
// optional SHA-256 public-key pins) and a TLS stream over any Stream. TLS 1.2, and TLS 1.3 when
// the library has it. Verification is always on. Mbed TLS headers stay in the .cpp files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "firmware/net/socket.h"
#include "firmware/util/result.h"

namespace snapstage::net {

// The system CA bundle used when no CA file is configured.
inline constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

enum class SuiteOrder : uint8_t {
    Auto,  // ChaCha20-Poly1305 first unless the CPU has AES instructions Mbed TLS uses
    ChaChaFirst,
    AesFirst,
};

// The most public-key pins a TlsContext holds (the config loader checks tls.pins against it).
inline constexpr size_t kMaxTlsPins = 8;

struct TlsSettings {
    std::string caFile;  // PEM bundle of trusted roots; empty: kSystemCaBundle
    std::string caPem;   // trusted roots given in memory instead (tests, embedded roots)
    std::span<const std::string> pins;  // "sha256/<base64>" of SubjectPublicKeyInfo; any match
    SuiteOrder suiteOrder = SuiteOrder::Auto;
    // Wall clock used to explain "not yet valid" (seconds since the epoch); null: time(2).
    int64_t (*wallSeconds)() = nullptr;
};

// What the CPU offers and what this Mbed TLS build can use.
struct CpuCrypto {
    bool cpuHasAes = false;       // AES-NI (x86) or the ARMv8 AES extension (HWCAP_AES)
    bool libraryUsesAes = false;  // this Mbed TLS build uses those instructions (2.28: AES-NI only)
};
CpuCrypto detectCpuCrypto() noexcept;

// Whether this Mbed TLS offers TLS 1.3 (3.6 as Debian builds it; never 2.28).
bool libraryHasTls13() noexcept;

// The Mbed TLS version this binary runs with ("2.28.3").
const char* mbedtlsRuntimeVersion() noexcept;

// Handshakes a TlsContext completed since init(): full ones (the server's certificate chain
// verified) and resumed ones (a cached session or ticket; no certificate exchange).
struct HandshakeCounts {
    uint64_t full = 0;
    uint64_t resumed = 0;
};

// Client configuration shared by every connection. Set up once at start; not thread-safe (the
// job pipeline's one worker thread uses it).
class TlsContext {
public:
    TlsContext() noexcept;
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    // Starts PSA crypto (3.x), seeds the DRBG, loads the trust roots (parsed once), sets suites,
    // ALPN "http/1.1", TLS 1.2 minimum (1.3 maximum when the library has it) and the
    // verification policy. Allocates (the CA chain: ~460 KiB for the whole
    // system bundle). Errors: TlsConfig (unreadable or empty CA file, bad pin syntax), NoMemory.
    Status init(const TlsSettings& settings) noexcept;
    bool ready() const noexcept { return impl_ != nullptr; }

    // Suites in the order offered, as IANA names, comma-separated (for logs and docs).
    const char* suiteOrderText() const noexcept;
    // Number of trusted root certificates loaded.
    size_t caCount() const noexcept;
    // Forgets cached sessions (the next handshakes are full ones).
    void clearSessions() noexcept;
    // Handshakes completed over this context so far (failed ones are not counted). Read on the
    // thread that makes the connections.
    HandshakeCounts handshakes() const noexcept;

    // Sessions kept across processes (a `submit` per photo resumes the last one's sessions
    // instead of verifying the chain and agreeing keys again). saveSessions() writes the cached
    // sessions into `out` (Mbed TLS's own session format, each with its host:port and the time
    // it was negotiated, behind a header naming the trust roots, pins and suites they were
    // verified under); it returns the bytes written, 0 when there is nothing to keep. The bytes
    // hold session secrets: store them where only this user can read. Does not allocate.
    Result<size_t> saveSessions(std::span<std::byte> out) const noexcept;
    // Takes the sessions of saveSessions() made under the same trust settings and no older than
    // `maxAgeS`; anything else (other roots or pins, another Mbed TLS, damage) is ignored, and
    // the next handshakes are full ones. Returns how many were taken.
    size_t loadSessions(std::span<const std::byte> in, int64_t maxAgeS) noexcept;

    struct Impl;

private:
    friend class TlsStream;
    std::unique_ptr<Impl> impl_;
};

// Facts about the established session.
struct TlsInfo {
    const char* version = "";      // "TLSv1.2" or "TLSv1.3"
    const char* ciphersuite = "";  // IANA name from Mbed TLS
    const char* alpn = "";         // "http/1.1" or "" when the server chose none
    bool resumed = false;          // the session was resumed (no certificate exchange)
    int64_t peerNotAfter = 0;      // the server certificate's end of validity (Unix time); 0
                                   // when not known
};

// One TLS session over a borrowed Stream. Its record buffers are allocated by init() and reused
// for every later connection (reset between them).
class TlsStream final : public Stream {
public:
    TlsStream() noexcept;
    ~TlsStream() override;
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    // Sets up the session and its record buffers for `context` (borrowed; must outlive this).
    Status init(TlsContext& context) noexcept;

    // Runs the handshake over `transport` (borrowed until close()) with SNI and host-name
    // verification for `host` (always set; an IP literal matches iPAddress SANs), offering a
    // cached session for `host`:`port`.
    // Errors: TlsUntrusted, TlsExpired, TlsNotYetValid, TlsHostname, TlsPin, TlsHandshake, with
    // plain messages; detail() carries the Mbed TLS code; plus the transport's errors.
    Status handshake(Stream& transport, std::string_view host, uint16_t port) noexcept;
    // Sends close_notify (best effort) and makes the stream ready for another handshake.
    void close() noexcept;
    bool established() const noexcept { return established_; }
    const TlsInfo& info() const noexcept { return info_; }

    // Errors: TlsIo for a TLS alert or bad record, NetClosed when the peer closed mid-record,
    // plus the transport's errors. read() returns 0 on close_notify or a clean EOF.
    Result<size_t> read(std::span<std::byte> out) noexcept override;
    Result<size_t> write(std::span<const std::byte> data) noexcept override;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
    TlsContext* context_ = nullptr;
    TlsInfo info_;
    bool established_ = false;
};

// Checks the syntax of a pin ("sha256/" + base64 of 32 bytes). Errors: TlsConfig.
Status checkPinSyntax(std::string_view pin) noexcept;

// Formats an Mbed TLS error code as text ("X509 - Certificate verification failed ...").
void mbedtlsErrorText(int code, char* out, size_t capacity) noexcept;

}  // namespace snapstage::net
