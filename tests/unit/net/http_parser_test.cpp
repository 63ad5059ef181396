// SPDX-License-Identifier: MIT
// Tests of the response head parser, body framing, the chunked decoder and Retry-After.
#include "firmware/net/http_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace snapstage::net {
namespace {

std::span<const std::byte> bytes(std::string_view s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

struct Parsed {
    Header slots[8];
    ResponseHead head;
    Parsed() { head.slots = slots; }
};

TEST(HttpParserTest, FindsTheEndOfTheHead) {
    EXPECT_EQ(findHeadEnd("HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody"), 25u);
    EXPECT_EQ(findHeadEnd("HTTP/1.1 200 OK\nA: b\n\nbody"), 22u);
    EXPECT_EQ(findHeadEnd("HTTP/1.1 200 OK\r\nA: b\r\n"), 0u);
    // Given a terminator split across two reads, When scanning resumes, Then it is found.
    std::string s = "HTTP/1.1 200 OK\r\nA: b\r\n\r";
    EXPECT_EQ(findHeadEnd(s), 0u);
    std::string more = s + "\n";
    EXPECT_EQ(findHeadEnd(more, s.size()), more.size());
}

TEST(HttpParserTest, ParsesStatusAndHeaders) {
    Parsed p;
    std::string head =
        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-A:  spaced  \r\n"
        "Connection: keep-alive, Upgrade\r\n\r\n";
    ASSERT_TRUE(parseResponseHead(head, p.head).ok());
    EXPECT_EQ(p.head.status, 201);
    EXPECT_EQ(p.head.reason, "Created");
    EXPECT_EQ(p.head.count, 3u);
    EXPECT_EQ(p.head.get("content-type"), "application/json");
    EXPECT_EQ(p.head.get("x-a"), "spaced");
    EXPECT_TRUE(p.head.hasToken("Connection", "upgrade"));
    EXPECT_FALSE(p.head.has("Missing"));
}

TEST(HttpParserTest, RefusesMalformedHeadsTable) {
    const struct {
        const char* head;
        Errc code;
    } cases[] = {
        {"HTTP/2 200 OK\r\n\r\n", Errc::HttpProtocol},
        {"HTTP/1.1 20 OK\r\n\r\n", Errc::HttpProtocol},
        {"HTTP/1.1 200OK\r\n\r\n", Errc::HttpProtocol},
        {"ICY 200 OK\r\n\r\n", Errc::HttpProtocol},
        {"HTTP/1.1 099 X\r\n\r\n", Errc::HttpProtocol},
        {"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", Errc::HttpProtocol},
        {"HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", Errc::HttpProtocol},
        {"HTTP/1.1 200 OK\r\nBad Name: b\r\n\r\n", Errc::HttpProtocol},
        {"HTTP/1.1 200 OK\r\nA: b\x01\r\n\r\n", Errc::HttpProtocol},
        {"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\nH: 8\r\n"
         "I: 9\r\n\r\n",
         Errc::HttpTooLarge},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.head);
        Parsed p;
        auto st = parseResponseHead(c.head, p.head);
        ASSERT_FALSE(st.ok());
        EXPECT_EQ(st.error().code(), c.code);
    }
}

TEST(HttpParserTest, FramingTable) {
    const struct {
        const char* head;
        const char* method;
        BodyKind kind;
        uint64_t length;
        bool keepAlive;
    } cases[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "GET", BodyKind::Length, 5, true},
        {"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", "GET", BodyKind::Length, 5, true},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "GET", BodyKind::Chunked, 0,
         true},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 9\r\n\r\n", "GET",
         BodyKind::Chunked, 0, false},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "GET", BodyKind::UntilClose, 0,
         false},
        {"HTTP/1.1 200 OK\r\n\r\n", "GET", BodyKind::UntilClose, 0, false},
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "HEAD", BodyKind::None, 0, true},
        {"HTTP/1.1 204 No Content\r\n\r\n", "GET", BodyKind::None, 0, true},
        {"HTTP/1.1 304 Not Modified\r\n\r\n", "GET", BodyKind::None, 0, true},
        {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "GET",
         BodyKind::Length, 0, false},
        {"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", "GET", BodyKind::Length, 1, false},
        {"HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: Keep-Alive\r\n\r\n", "GET",
         BodyKind::Length, 1, true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.head);
        Parsed p;
        ASSERT_TRUE(parseResponseHead(c.head, p.head).ok());
        auto f = bodyFraming(p.head, c.method);
        ASSERT_TRUE(f.ok());
        EXPECT_EQ(f->kind, c.kind);
        EXPECT_EQ(f->length, c.length);
        EXPECT_EQ(f->keepAlive, c.keepAlive);
    }
}

TEST(HttpParserTest, ConflictingContentLengthIsRefused) {
    for (const char* head : {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
                             "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                             "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"}) {
        Parsed p;
        ASSERT_TRUE(parseResponseHead(head, p.head).ok());
        EXPECT_EQ(bodyFraming(p.head, "GET").error().code(), Errc::HttpProtocol) << head;
    }
}

// Decodes `wire` fed in pieces of `piece` bytes; returns the body or "<error>".
std::string decode(BodyKind kind, std::string_view wire, size_t piece, uint64_t length = 0,
                   bool* done = nullptr) {
    BodyDecoder d;
    Framing f;
    f.kind = kind;
    f.length = length;
    d.reset(f);
    std::string out;
    for (size_t at = 0; at < wire.size() && !d.done(); at += piece) {
        auto in = bytes(wire.substr(at, piece));
        while (!in.empty() && !d.done()) {
            auto s = d.step(in);
            if (!s) return "<error>";
            out.append(reinterpret_cast<const char*>(s->data.data()), s->data.size());
            in = in.subspan(s->consumed);
        }
    }
    if (done) *done = d.done();
    return out;
}

TEST(HttpParserTest, ChunkedBodiesDecodeAtEveryPieceSize) {
    // Given chunks with extensions and trailers; When fed 1..n bytes at a time; Then the body
    // is the concatenated data and the decoder ends exactly after the trailers.
    std::string wire =
        "5;name=value\r\nhello\r\n1A \r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n"
        "Y: z\r\n\r\n";
    for (size_t piece = 1; piece <= wire.size(); ++piece) {
        bool done = false;
        EXPECT_EQ(decode(BodyKind::Chunked, wire + "NEXT", piece, 0, &done),
                  "helloabcdefghijklmnopqrstuvwxyz")
            << piece;
        EXPECT_TRUE(done);
    }
}

TEST(HttpParserTest, ChunkedErrorsTable) {
    const char* cases[] = {"zz\r\n", "5\r\nhelloXX", "\r\n", "5\r\nhello\r\n-1\r\n",
                           "FFFFFFFFFFFFFFFFFF\r\n"};
    for (const char* c : cases)
        EXPECT_EQ(decode(BodyKind::Chunked, c, 3), "<error>") << c;
    std::string longExt = "1;" + std::string(5000, 'x') + "\r\n";
    EXPECT_EQ(decode(BodyKind::Chunked, longExt, 100), "<error>");
    std::string longTrailer = "0\r\n" + std::string(20000, 'x');
    EXPECT_EQ(decode(BodyKind::Chunked, longTrailer, 100), "<error>");
}

TEST(HttpParserTest, LengthAndCloseDelimitedBodies) {
    bool done = false;
    EXPECT_EQ(decode(BodyKind::Length, "hello world", 4, 5, &done), "hello");
    EXPECT_TRUE(done);
    EXPECT_EQ(decode(BodyKind::UntilClose, "all of it", 2, 0, &done), "all of it");
    EXPECT_FALSE(done);
}

TEST(HttpParserTest, RetryAfterSecondsAndDates) {
    int64_t now = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
    EXPECT_EQ(parseRetryAfter("120", now), 120);
    EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:51:37 GMT", now), 120);
    EXPECT_EQ(parseRetryAfter("Sunday, 06-Nov-94 08:50:37 GMT", now), 60);
    EXPECT_EQ(parseRetryAfter("Sun Nov  6 08:49:47 1994", now), 10);
    EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), 0);
    EXPECT_EQ(parseRetryAfter("", now), -1);
    EXPECT_EQ(parseRetryAfter("soon", now), -1);
    int64_t t = 0;
    ASSERT_TRUE(parseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT", t));
    EXPECT_EQ(t, 0);
    ASSERT_TRUE(parseHttpDate("Tue, 29 Feb 2028 23:59:59 GMT", t));
    EXPECT_EQ(t, 1835481599);
}

}  // namespace
}  // namespace snapstage::net
