// SPDX-License-Identifier: MIT
// Tests of the TLS layer: client and Mbed TLS server in one process over a socketpair, with a
// test CA; every verification failure must be refused with its plain message.
#include "firmware/net/tls.h"

#include "firmware/util/fs.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstring>

#include <functional>
#include <string>
#include <thread>

#include "tests/unit/net/test_pki.h"
#include "tests/unit/net/test_server.h"

namespace snapstage::net {
namespace {

using test::Credential;

const Credential& testCa() {
    static const Credential ca = test::makeCa("Snapstage Test Root");
    return ca;
}

const Credential& goodLeaf() {
    static const Credential leaf =
        test::makeLeaf(&testCa(), "Snapstage Test Root", {"localhost", "api.test"});
    return leaf;
}

bool echo(test::ServerConn& c) {
    char b[16384];
    size_t n = c.read(b, sizeof b);
    return n > 0 && c.write(std::string_view(b, n));
}

int64_t clockAtEpoch() {
    return 300;  // 1970-01-01 00:05 UTC, as on a board with no RTC and no NTP yet
}

struct Outcome {
    Status status;
    TlsInfo info;
    std::string echoed;
};

// Runs a handshake against a server presenting `cred`, then echoes `payload` through it.
Outcome runSession(const Credential& cred, TlsSettings settings, const char* host,
                   const std::string& payload = "ping", test::TlsMax max = test::TlsMax::Library) {
    settings.caPem = testCa().certPem;
    TlsContext ctx;
    Outcome out;
    Status init = ctx.init(settings);
    if (!init) {
        out.status = init;
        return out;
    }
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    std::thread server([&] { test::TestServer::serveFd(fds[1], &cred, echo, nullptr, max); });
    {
        Socket sock;
        sock.adopt(UniqueFd(fds[0]), SocketTimeouts{1000, 5000});
        TlsStream tls;
        EXPECT_TRUE(tls.init(ctx).ok());
        out.status = tls.handshake(sock, host, 443);
        if (out.status) {
            out.info = tls.info();
            EXPECT_TRUE(writeAll(tls, fs::bytes(payload)).ok());
            std::string got(payload.size(), '\0');
            size_t have = 0;
            while (have < payload.size()) {
                auto n = tls.read(
                    std::span(reinterpret_cast<std::byte*>(got.data()) + have, got.size() - have));
                if (!n || *n == 0) break;
                have += *n;
            }
            out.echoed = got.substr(0, have);
            tls.close();
        }
    }
    server.join();
    ::close(fds[1]);
    return out;
}

std::string message(const Outcome& o) {
    return o.status ? std::string() : o.status.error().message();
}

TEST(TlsTest, VerifiedSessionCarriesDataBothWays) {
    // Given a server whose leaf our CA signed for localhost
    // When the client connects and sends 100 KB (several records, partial writes looped)
    std::string payload(100000, 'x');
    for (size_t i = 0; i < payload.size(); ++i)
        payload[i] = static_cast<char>('a' + i % 26);
    Outcome o = runSession(goodLeaf(), {}, "localhost", payload);
    // Then it is verified, negotiates TLS 1.3 when the library has it (else TLS 1.2 with an
    // ECDHE suite), with an AEAD cipher and ALPN http/1.1
    ASSERT_TRUE(o.status.ok()) << message(o);
    std::string suite = o.info.ciphersuite;
    if (libraryHasTls13()) {
        EXPECT_STREQ(o.info.version, "TLSv1.3");
        EXPECT_EQ(suite.rfind("TLS1-3-", 0), 0u) << suite;
    } else {
        EXPECT_STREQ(o.info.version, "TLSv1.2");
        EXPECT_NE(suite.find("ECDHE-ECDSA"), std::string::npos) << suite;
    }
    EXPECT_TRUE(suite.find("GCM") != std::string::npos ||
                suite.find("CHACHA20-POLY1305") != std::string::npos)
        << suite;
    EXPECT_STREQ(o.info.alpn, "http/1.1");
    EXPECT_FALSE(o.info.resumed);
    EXPECT_EQ(o.echoed, payload);
}

TEST(TlsTest, Tls12ServerGetsAnEcdheAeadSuite) {
    // Given a server that speaks TLS 1.2 at most (the only version on Mbed TLS 2.28)
    Outcome o = runSession(goodLeaf(), {}, "localhost", "ping", test::TlsMax::Tls12);
    // Then the client settles for TLS 1.2 with one of its ECDHE AEAD suites
    ASSERT_TRUE(o.status.ok()) << message(o);
    EXPECT_STREQ(o.info.version, "TLSv1.2");
    std::string suite = o.info.ciphersuite;
    EXPECT_EQ(suite.rfind("TLS-ECDHE-ECDSA-WITH-", 0), 0u) << suite;
    EXPECT_EQ(o.echoed, "ping");
}

// One connection to `port` through `ctx`, a message each way; whether it was resumed.
bool connectOnce(TlsContext& ctx, uint16_t port, std::string* version) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    Socket sock;
    sock.adopt(UniqueFd(fd), SocketTimeouts{1000, 5000});
    TlsStream tls;
    EXPECT_TRUE(tls.init(ctx).ok());
    Status st = tls.handshake(sock, "localhost", port);
    EXPECT_TRUE(st.ok()) << (st ? "" : st.error().message());
    if (!st) return false;
    // A TLS 1.3 ticket comes after the handshake: the echo's read takes it in.
    EXPECT_TRUE(writeAll(tls, fs::bytes(std::string("ping"))).ok());
    std::byte b[4];
    EXPECT_TRUE(tls.read(b).ok());
    if (version) *version = tls.info().version;
    bool resumed = tls.info().resumed;
    tls.close();
    return resumed;
}

// Two connections to one server through one context: whether each was resumed.
std::pair<bool, bool> connectTwice(test::TlsMax max, std::string* version) {
    test::TestServer srv(&goodLeaf(), echo, max);
    TlsSettings settings;
    settings.caPem = testCa().certPem;
    TlsContext ctx;
    EXPECT_TRUE(ctx.init(settings).ok());
    bool first = connectOnce(ctx, srv.port(), version);
    bool second = connectOnce(ctx, srv.port(), version);
    return {first, second};
}

TEST(TlsTest, SecondConnectionResumesOnEveryVersion) {
    for (test::TlsMax max : {test::TlsMax::Library, test::TlsMax::Tls12}) {
        std::string version;
        auto [first, second] = connectTwice(max, &version);
        EXPECT_FALSE(first) << version;
        EXPECT_TRUE(second) << version;
        EXPECT_EQ(version,
                  max == test::TlsMax::Tls12 || !libraryHasTls13() ? "TLSv1.2" : "TLSv1.3");
    }
}

int64_t g_fakeNow = 0;
int64_t fakeNow() {
    return g_fakeNow;
}

TEST(TlsTest, SavedSessionsResumeInTheNextProcessOnlyUnderTheSameTrust) {
    for (test::TlsMax max : {test::TlsMax::Library, test::TlsMax::Tls12}) {
        test::TestServer srv(&goodLeaf(), echo, max);
        g_fakeNow = 1900000000;
        TlsSettings settings;
        settings.caPem = testCa().certPem;
        settings.wallSeconds = fakeNow;
        // Given a process that made a full handshake and saved its sessions
        std::byte saved[16384];
        size_t len = 0;
        std::string version;
        {
            TlsContext first;
            ASSERT_TRUE(first.init(settings).ok());
            EXPECT_FALSE(connectOnce(first, srv.port(), &version));
            auto got = first.saveSessions(saved);
            ASSERT_TRUE(got.ok()) << got.error().message();
            ASSERT_GT(*got, 0u);
            len = *got;
            // (no room: refused, never cut short)
            EXPECT_FALSE(first.saveSessions(std::span(saved, 40)).ok());
        }
        auto bytes = std::span<const std::byte>(saved, len);
        // When the next process, with the same roots and pins, loads them within the hour
        g_fakeNow += 600;
        TlsContext next;
        ASSERT_TRUE(next.init(settings).ok());
        EXPECT_EQ(next.loadSessions(bytes, 3600), 1u) << version;
        // Then its first connection is resumed: no chain to verify, no keys to agree
        EXPECT_TRUE(connectOnce(next, srv.port(), nullptr)) << version;
        // But not by a process that trusts other roots (or pins a key: either may have been
        // changed to refuse a server), nor an old session, nor damaged bytes: those connections
        // are full ones
        TlsSettings other = settings;
        other.caPem = testCa().certPem + test::makeCa("Another Root").certPem;
        TlsContext otherTrust;
        ASSERT_TRUE(otherTrust.init(other).ok());
        EXPECT_EQ(otherTrust.loadSessions(bytes, 3600), 0u);
        EXPECT_FALSE(connectOnce(otherTrust, srv.port(), nullptr));
        std::string pin = test::pinOf(test::makeCa("Pinned").certPem);
        TlsSettings pinned = settings;
        pinned.pins = std::span<const std::string>(&pin, 1);
        TlsContext withPin;
        ASSERT_TRUE(withPin.init(pinned).ok());
        EXPECT_EQ(withPin.loadSessions(bytes, 3600), 0u);
        g_fakeNow += 3600;
        TlsContext late;
        ASSERT_TRUE(late.init(settings).ok());
        EXPECT_EQ(late.loadSessions(bytes, 3600), 0u);
        EXPECT_FALSE(connectOnce(late, srv.port(), nullptr));
        TlsContext spoiled;
        ASSERT_TRUE(spoiled.init(settings).ok());
        EXPECT_EQ(spoiled.loadSessions(std::span<const std::byte>(saved, 12), 1 << 30), 0u);
        std::byte wrongMagic[16384];
        std::memcpy(wrongMagic, saved, len);
        wrongMagic[0] = std::byte{'X'};
        EXPECT_EQ(spoiled.loadSessions(std::span<const std::byte>(wrongMagic, len), 1 << 30), 0u);
    }
}

TEST(TlsTest, SecondNameInSubjectAltNameIsAccepted) {
    Outcome o = runSession(goodLeaf(), {}, "api.test");
    EXPECT_TRUE(o.status.ok()) << message(o);
}

TEST(TlsTest, WrongHostIsRefusedEvenThoughTheChainIsValid) {
    // Mbed TLS 2.28 would skip this check if the host name were never set.
    Outcome o = runSession(goodLeaf(), {}, "evil.example");
    ASSERT_FALSE(o.status.ok());
    EXPECT_EQ(o.status.error().code(), Errc::TlsHostname);
    EXPECT_NE(message(o).find("localhost, api.test, not evil.example"), std::string::npos)
        << message(o);
    EXPECT_NE(o.status.error().detail(), 0);
}

TEST(TlsTest, IpLiteralMatchesAnIpAddressSubjectAltName) {
    // Given certificates whose only SAN is an iPAddress (IPv4, IPv6)
    Credential v4 = test::makeLeaf(&testCa(), "Snapstage Test Root", {"IP:127.0.0.1"});
    Credential v6 = test::makeLeaf(&testCa(), "Snapstage Test Root", {"localhost", "IP:::1"});
    // Then a URL with that address as its host is accepted, on 2.28 as on 3.6
    Outcome o = runSession(v4, {}, "127.0.0.1");
    EXPECT_TRUE(o.status.ok()) << message(o);
    o = runSession(v6, {}, "::1");
    EXPECT_TRUE(o.status.ok()) << message(o);
}

TEST(TlsTest, IpLiteralWrittenAsADnsNameMatchesAsBefore) {
    // Given a certificate carrying the address only as a dNSName (the old workaround for 2.28)
    Credential leaf = test::makeLeaf(&testCa(), "Snapstage Test Root", {"127.0.0.1"});
    // Then it matches as the text it is, on both libraries (3.6 compares dNSNames as text too)
    Outcome o = runSession(leaf, {}, "127.0.0.1");
    EXPECT_TRUE(o.status.ok()) << message(o);
    // But not as an address: another spelling of it is refused
    o = runSession(leaf, {}, "::ffff:127.0.0.1");
    ASSERT_FALSE(o.status.ok());
    EXPECT_EQ(o.status.error().code(), Errc::TlsHostname);
}

TEST(TlsTest, OtherIpAddressIsRefused) {
    // Given certificates for other addresses (and for a name only)
    Credential v4 = test::makeLeaf(&testCa(), "Snapstage Test Root", {"IP:10.0.0.2"});
    Credential v6 = test::makeLeaf(&testCa(), "Snapstage Test Root", {"IP:::2"});
    struct Case {
        const Credential& cred;
        const char* host;
        const char* said;
    } cases[] = {
        {v4, "127.0.0.1", "the certificate is for 10.0.0.2, not 127.0.0.1"},
        {v4, "10.0.0.3", "the certificate is for 10.0.0.2, not 10.0.0.3"},
        {v6, "::1", "the certificate is for ::2, not ::1"},
        {v6, "0.0.0.2", "the certificate is for ::2, not 0.0.0.2"},
        {goodLeaf(), "127.0.0.1", "the certificate is for localhost, api.test, not 127.0.0.1"},
    };
    for (const Case& c : cases) {
        Outcome o = runSession(c.cred, {}, c.host);
        ASSERT_FALSE(o.status.ok()) << c.host;
        EXPECT_EQ(o.status.error().code(), Errc::TlsHostname) << c.host;
        EXPECT_NE(message(o).find(c.said), std::string::npos) << message(o);
    }
}

TEST(TlsTest, MatchingIpAddressDoesNotExcuseAnUntrustedIssuer) {
    Credential rogueCa = test::makeCa("Rogue CA");
    Credential leaf = test::makeLeaf(&rogueCa, "Rogue CA", {"IP:127.0.0.1"});
    Outcome o = runSession(leaf, {}, "127.0.0.1");
    ASSERT_FALSE(o.status.ok());
    EXPECT_EQ(o.status.error().code(), Errc::TlsUntrusted);
}

TEST(TlsTest, UntrustedIssuerIsRefused) {
    Credential rogueCa = test::makeCa("Rogue CA");
    Credential leaf = test::makeLeaf(&rogueCa, "Rogue CA", {"localhost"});
    Outcome o = runSession(leaf, {}, "localhost");
    ASSERT_FALSE(o.status.ok());
    EXPECT_EQ(o.status.error().code(), Errc::TlsUntrusted);
    EXPECT_NE(message(o).find("issued by \"Rogue CA"), std::string::npos) << message(o);
    EXPECT_NE(message(o).find("--ca"), std::string::npos);
}

TEST(TlsTest, SelfSignedIsRefused) {
    Credential self = test::makeLeaf(nullptr, nullptr, {"localhost"});
    Outcome o = runSession(self, {}, "localhost");
    ASSERT_FALSE(o.status.ok());
    EXPECT_EQ(o.status.error().code(), Errc::TlsUntrusted);
}

TEST(TlsTest, ExpiredCertificateSaysWhen) {
    Credential old = test::makeLeaf(&testCa(), "Snapstage Test Root", {"localhost"},
                                    "20200101000000", "20210301120000");
    Outcome o = runSession(old, {}, "localhost");
    ASSERT_FALSE(o.status.ok());
    EXPECT_EQ(o.status.error().code(), Errc::TlsExpired);
    EXPECT_NE(message(o).find("expired on 2021-03-01 12:00 UTC"), std::string::npos) << message(o);
}

TEST(TlsTest, NotYetValidBlamesAnUnsetClock) {
    // Given a device clock at 1970 (the real clock is what Mbed TLS checks, so use a
    // certificate that starts in the future and report the clock we are told reads 1970)
    Credential future = test::makeLeaf(&testCa(), "Snapstage Test Root", {"localhost"},
                                       "20900101000000", "20991231235959");
    TlsSettings s;
    s.wallSeconds = clockAtEpoch;
    Outcome o = runSession(future, s, "localhost");
    ASSERT_FALSE(o.status.ok());
    EXPECT_EQ(o.status.error().code(), Errc::TlsNotYetValid);
    EXPECT_NE(message(o).find("valid only from 2090-01-01 00:00 UTC"), std::string::npos)
        << message(o);
    EXPECT_NE(message(o).find("the clock reads 1970-01-01 00:05 UTC"), std::string::npos);
    EXPECT_NE(message(o).find("set the time"), std::string::npos);
}

TEST(TlsTest, PinsMatchLeafOrCaAndRefuseOthers) {
    std::string leafPin = test::pinOf(goodLeaf().certPem);
    std::string caPin = test::pinOf(testCa().certPem);
    std::string otherPin = test::pinOf(test::makeCa("Other").certPem);
    for (const std::string& good : {leafPin, caPin}) {
        std::string pins[] = {otherPin, good};
        TlsSettings s;
        s.pins = pins;
        Outcome o = runSession(goodLeaf(), s, "localhost");
        EXPECT_TRUE(o.status.ok()) << message(o);
    }
    std::string pins[] = {otherPin};
    TlsSettings s;
    s.pins = pins;
    Outcome o = runSession(goodLeaf(), s, "localhost");
    ASSERT_FALSE(o.status.ok());
    EXPECT_EQ(o.status.error().code(), Errc::TlsPin);
    // The message shows the server's actual pin, so a changed key can be pinned again.
    EXPECT_NE(message(o).find(leafPin), std::string::npos) << message(o);
}

TEST(TlsTest, BadPinSyntaxIsAConfigError) {
    std::string pins[] = {"sha1/abc"};
    TlsSettings s;
    s.pins = pins;
    TlsContext ctx;
    auto st = ctx.init(s);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::TlsConfig);
    EXPECT_TRUE(checkPinSyntax(test::pinOf(testCa().certPem)).ok());
}

TEST(TlsTest, MissingCaFileSaysWhatToDo) {
    TlsSettings s;
    s.caFile = "/nonexistent/ca.pem";
    TlsContext ctx;
    auto st = ctx.init(s);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::TlsConfig);
    EXPECT_NE(std::string(st.error().message()).find("/nonexistent/ca.pem"), std::string::npos);
    EXPECT_NE(std::string(st.error().message()).find("--ca"), std::string::npos);
}

TEST(TlsTest, SuiteOrderFollowsTheSetting) {
    TlsContext chacha, aes;
    TlsSettings s;
    s.caPem = testCa().certPem;
    s.suiteOrder = SuiteOrder::ChaChaFirst;
    ASSERT_TRUE(chacha.init(s).ok());
    s.suiteOrder = SuiteOrder::AesFirst;
    ASSERT_TRUE(aes.init(s).ok());
    EXPECT_EQ(std::string(chacha.suiteOrderText()).rfind("TLS-ECDHE-ECDSA-WITH-CHACHA20", 0), 0u)
        << chacha.suiteOrderText();
    EXPECT_EQ(std::string(aes.suiteOrderText()).rfind("TLS-ECDHE-ECDSA-WITH-AES-128-GCM", 0), 0u)
        << aes.suiteOrderText();
    EXPECT_EQ(chacha.caCount(), 1u);
    CpuCrypto cpu = detectCpuCrypto();
    // A library that does not use the CPU's AES cannot prefer AES on its account.
    EXPECT_TRUE(cpu.cpuHasAes || !cpu.libraryUsesAes);
}

TEST(TlsTest, PlainHttpPeerIsNotTls) {
    TlsContext ctx;
    TlsSettings s;
    s.caPem = testCa().certPem;
    ASSERT_TRUE(ctx.init(s).ok());
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    std::thread server([&] {
        test::TestServer::serveFd(fds[1], nullptr, [](test::ServerConn& c) {
            char b[512];
            c.read(b, sizeof b);
            c.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            return false;
        });
        ::shutdown(fds[1], SHUT_RDWR);
    });
    Socket sock;
    sock.adopt(UniqueFd(fds[0]), SocketTimeouts{1000, 5000});
    TlsStream tls;
    ASSERT_TRUE(tls.init(ctx).ok());
    auto st = tls.handshake(sock, "localhost", 443);
    server.join();
    ::close(fds[1]);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::TlsHandshake);
    EXPECT_NE(std::string(st.error().message()).find("https port"), std::string::npos)
        << st.error().message();
}

}  // namespace
}  // namespace snapstage::net
