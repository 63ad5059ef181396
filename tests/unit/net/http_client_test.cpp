// SPDX-License-Identifier: MIT
// Tests of the HTTP client against in-process servers on loopback (plain and Mbed TLS).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "firmware/net/multipart.h"
#include "tests/unit/net/http_test_util.h"

namespace snapstage::net::test {
namespace {

using HttpClientTest = HttpClientFixture;

std::string text(const Result<Response>&, const BufferSink& sink) {
    return std::string(sink.text());
}

TEST_F(HttpClientTest, ReadsAContentLengthBody) {
    TestServer srv(nullptr, [](ServerConn& c) {
        if (c.readHead().empty()) return false;
        return c.write(response(200, "hello", "Content-Type: text/plain\r\n"));
    });
    std::byte buf[64];
    BufferSink sink(buf);
    auto r = get(httpUrl(srv, "/a"), sink);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->contentLength, 5);
    EXPECT_EQ(r->header("content-type"), "text/plain");
    EXPECT_EQ(text(r, sink), "hello");
}

TEST_F(HttpClientTest, JsonBodyParsesIntoAnArena) {
    TestServer srv(nullptr, [](ServerConn& c) {
        if (c.readHead().empty()) return false;
        std::string body = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (std::string_view part : {"{\"status\": \"do", "ne\", \"e", "ta\": 42}"}) {
            char size[24];
            std::snprintf(size, sizeof size, "%zx\r\n", part.size());
            body += size + std::string(part) + "\r\n";
        }
        return c.write(body + "0\r\n\r\n");
    });
    std::byte buf[256];
    Arena arena;
    ASSERT_TRUE(arena.init(4096));
    JsonSink sink(buf, arena);
    auto r = get(httpUrl(srv, "/job"), sink);
    ASSERT_TRUE(r.ok()) << r.error().message();
    auto doc = sink.parse();
    ASSERT_TRUE(doc.ok()) << doc.error().message();
    EXPECT_EQ(doc->root().get("status").asString(), "done");
    EXPECT_EQ(doc->root().get("eta").asDouble(), 42);
    EXPECT_GT(arena.used(), 0u);
    // A body larger than the caller's buffer is an error, not a reallocation.
    std::byte tiny[8];
    JsonSink small(tiny, arena);
    auto big = get(httpUrl(srv, "/job"), small);
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().code(), Errc::HttpTooLarge);
}

TEST_F(HttpClientTest, DecodesChunkedBodiesWithExtensionsAndTrailers) {
    TestServer srv(nullptr, [](ServerConn& c) {
        if (c.readHead().empty()) return false;
        return c.write(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            "4;ext=1\r\nwiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\n");
    });
    std::byte buf[64];
    BufferSink sink(buf);
    auto r = get(httpUrl(srv, "/"), sink);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(text(r, sink), "wikipedia");
    EXPECT_EQ(r->contentLength, -1);
    // And the connection is still good for another request.
    auto again = get(httpUrl(srv, "/"), sink);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(srv.stats().connections.load(), 1);
}

TEST_F(HttpClientTest, ReadsABodyDelimitedByClose) {
    TestServer srv(nullptr, [](ServerConn& c) {
        if (c.readHead().empty()) return false;
        c.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
        return false;  // closes
    });
    std::byte buf[64];
    BufferSink sink(buf);
    auto r = get(httpUrl(srv, "/"), sink);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(text(r, sink), "until the end");
}

TEST_F(HttpClientTest, KeepAliveReusesOneTlsConnectionAndReconnectsWithResumption) {
    TestServer srv(&httpTestLeaf(), [](ServerConn& c) {
        if (c.readHead().empty()) return false;
        return c.write(response(200, "ok"));
    });
    std::byte buf[16];
    BufferSink sink(buf);
    for (int i = 0; i < 3; ++i) {
        auto r = get(httpsUrl(srv, "/k"), sink);
        ASSERT_TRUE(r.ok()) << r.error().message();
        EXPECT_EQ(client_.connection().reused, i > 0);
    }
    EXPECT_EQ(srv.stats().connections.load(), 1);
    EXPECT_TRUE(client_.connection().tls);
    EXPECT_FALSE(client_.connection().tlsInfo.resumed);
    // When the connection is closed and a new one is made, Then the session is resumed.
    client_.close();
    auto r = get(httpsUrl(srv, "/k"), sink);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(srv.stats().connections.load(), 2);
    EXPECT_TRUE(client_.connection().tlsInfo.resumed);
    // And the context counted one handshake of each kind (the fleet metrics read these)
    EXPECT_EQ(tls_.handshakes().full, 1u);
    EXPECT_EQ(tls_.handshakes().resumed, 1u);
}

TEST_F(HttpClientTest, StaleKeepAliveConnectionIsReplacedOnce) {
    TestServer srv(nullptr, [](ServerConn& c) {
        if (c.readHead().empty()) return false;
        c.write(response(200, "ok"));
        return false;  // closes without saying so
    });
    std::byte buf[16];
    BufferSink sink(buf);
    for (int i = 0; i < 3; ++i) {
        auto r = get(httpUrl(srv, "/"), sink);
        ASSERT_TRUE(r.ok()) << r.error().message();
    }
    EXPECT_EQ(srv.stats().connections.load(), 3);
}

TEST_F(HttpClientTest, APostThatWentOutWholeIsNotSentAgainOnAStaleConnection) {
    // Given a server that answers the first request, then reads the next one whole and closes
    // without answering (it may have acted on it)
    std::atomic<int> requests{0};
    TestServer srv(nullptr, [&](ServerConn& c) {
        std::string head = c.readHead();
        if (head.empty()) return false;
        if (++requests == 1) return c.write(response(200, "ok"));
        return false;
    });
    std::byte buf[16];
    BufferSink sink(buf);
    ASSERT_TRUE(get(httpUrl(srv, "/"), sink).ok());
    // When a POST goes out on the kept-alive connection
    std::string url = httpUrl(srv, "/v3/order");
    BufferSource body(fs::bytes("{}"), "application/json");
    Request req;
    req.method = "POST";
    req.url = url;
    req.body = &body;
    auto r = client_.send(req, sink);
    // Then its loss is reported, not hidden by sending it a second time
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), Errc::NetClosed) << r.error().message();
    EXPECT_EQ(requests.load(), 2);
}

TEST_F(HttpClientTest, RedirectsDropCredentialsWhenTheOriginChanges) {
    std::string seenSame, seenOther;
    TestServer other(nullptr, [&](ServerConn& c) {
        seenOther = c.readHead();
        if (seenOther.empty()) return false;
        return c.write(response(200, "final"));
    });
    std::string otherUrl = httpUrl(other, "/other");
    TestServer first(nullptr, [&](ServerConn& c) {
        std::string head = c.readHead();
        if (head.empty()) return false;
        if (pathOf(head) == "/start") return c.write(response(302, "", "Location: /same\r\n"));
        seenSame = head;
        return c.write(response(301, "moved", "Location: " + otherUrl + "\r\n"));
    });
    Header headers[] = {{"Authorization", "Bearer secret"}, {"x-api-key", "k"}, {"X-Keep", "1"}};
    std::string url = httpUrl(first, "/start");
    Request req;
    req.url = url;
    req.headers = headers;
    std::byte buf[64];
    BufferSink sink(buf);
    auto r = client_.send(req, sink);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->redirects, 2);
    EXPECT_EQ(r->url, otherUrl);
    EXPECT_EQ(text(r, sink), "final");  // redirect bodies are not delivered
    EXPECT_NE(seenSame.find("Authorization: Bearer secret"), std::string::npos);
    EXPECT_EQ(seenOther.find("Authorization"), std::string::npos) << seenOther;
    EXPECT_EQ(seenOther.find("x-api-key"), std::string::npos) << seenOther;
    EXPECT_NE(seenOther.find("X-Keep: 1"), std::string::npos);
}

TEST_F(HttpClientTest, SeeOtherTurnsAPostIntoAGetAndOtherRedirectsOfPostAreReturned) {
    std::string resultHead;
    TestServer srv(nullptr, [&](ServerConn& c) {
        std::string head = c.readHead();
        if (head.empty()) return false;
        c.readBody(head);
        if (pathOf(head) == "/submit") return c.write(response(303, "", "Location: /result\r\n"));
        if (pathOf(head) == "/moved") return c.write(response(302, "", "Location: /x\r\n"));
        resultHead = head;
        return c.write(response(200, "result"));
    });
    std::string body = "{\"a\":1}";
    BufferSource src(fs::bytes(body), "application/json");
    Request req;
    req.method = "POST";
    std::string submitUrl = httpUrl(srv, "/submit");
    std::string movedUrl = httpUrl(srv, "/moved");
    req.url = submitUrl;
    req.body = &src;
    std::byte buf[64];
    BufferSink sink(buf);
    auto r = client_.send(req, sink);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(resultHead.rfind("GET /result HTTP/1.1\r\n", 0), 0u) << resultHead;
    EXPECT_EQ(resultHead.find("Content-Length"), std::string::npos);
    EXPECT_EQ(resultHead.find("Content-Type"), std::string::npos);
    req.url = movedUrl;
    auto moved = client_.send(req, sink);
    ASSERT_TRUE(moved.ok());
    EXPECT_EQ(moved->status, 302);
}

TEST_F(HttpClientTest, RedirectLoopIsAnError) {
    TestServer srv(nullptr, [](ServerConn& c) {
        if (c.readHead().empty()) return false;
        return c.write(response(302, "", "Location: /again\r\n"));
    });
    NullSink sink;
    auto r = get(httpUrl(srv, "/"), sink);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), Errc::HttpRedirect);
}

TEST_F(HttpClientTest, RetryAfterAndInformationalResponses) {
    TestServer srv(nullptr, [](ServerConn& c) {
        std::string head = c.readHead();
        if (head.empty()) return false;
        if (pathOf(head) == "/busy")
            return c.write(response(429, "slow down", "Retry-After: 7\r\n"));
        return c.write(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\n" +
            response(200, "ok"));
    });
    std::byte buf[64];
    BufferSink sink(buf);
    auto busy = get(httpUrl(srv, "/busy"), sink);
    ASSERT_TRUE(busy.ok());
    EXPECT_EQ(busy->status, 429);
    EXPECT_EQ(busy->retryAfterS, 7);
    auto ok = get(httpUrl(srv, "/"), sink);
    ASSERT_TRUE(ok.ok()) << ok.error().message();
    EXPECT_EQ(ok->status, 200);
    EXPECT_EQ(ok->retryAfterS, -1);
    EXPECT_EQ(text(ok, sink), "ok");
}

TEST_F(HttpClientTest, ServerClosingEarlyIsReportedWithTheCount) {
    TestServer srv(nullptr, [](ServerConn& c) {
        if (c.readHead().empty()) return false;
        c.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        return false;
    });
    std::byte buf[128];
    BufferSink sink(buf);
    auto r = get(httpUrl(srv, "/"), sink);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), Errc::NetClosed);
    EXPECT_NE(std::string(r.error().message()).find("after 10 of 100"), std::string::npos)
        << r.error().message();
}

TEST_F(HttpClientTest, StalledServerTimesOut) {
    TestServer srv(nullptr, [](ServerConn& c) {
        if (c.readHead().empty()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the stalled peer
        return false;
    });
    HttpClient quick;
    HttpOptions o;
    o.timeouts = SocketTimeouts{1000, 300};
    ASSERT_TRUE(quick.init(nullptr, o).ok());
    NullSink sink;
    Request req;
    std::string url = httpUrl(srv, "/");
    req.url = url;
    auto r = quick.send(req, sink);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), Errc::NetTimeout);
    EXPECT_NE(std::string(r.error().message()).find("stalled"), std::string::npos);
    // And an overall deadline shorter than the per-read timeout fires first.
    HttpClient patient;
    o.timeouts = SocketTimeouts{1000, 10000};
    ASSERT_TRUE(patient.init(nullptr, o).ok());
    req.timeoutMs = 300;
    auto d = patient.send(req, sink);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code(), Errc::NetTimeout);
    EXPECT_NE(std::string(d.error().message()).find("time limit"), std::string::npos);
}

class RecordingObserver final : public HttpObserver {
public:
    void onConnected(const ConnectionInfo& info) noexcept override {
        suite = info.tlsInfo.ciphersuite;
    }
    void onUploadStart(uint64_t t) noexcept override {
        startTotal = t;
        order += "s";
    }
    void onUpload(uint64_t s, uint64_t t) noexcept override {
        sent = s;
        total = t;
        ++calls;
        if (order.back() != 'u') order += "u";
    }
    void onUploadAnswered(int status) noexcept override {
        answered = status;
        order += "a";
    }
    std::string suite, order;
    uint64_t sent = 0, total = 0, startTotal = 0;
    int calls = 0, answered = 0;
};

TEST_F(HttpClientTest, MultipartUploadArrivesByteForByteOverTls) {
    std::string received, head;
    TestServer srv(&httpTestLeaf(), [&](ServerConn& c) {
        head = c.readHead();
        if (head.empty()) return false;
        received = c.readBody(head);
        return c.write(response(201, std::to_string(received.size())));
    });
    std::string photo(300000, '\0');
    for (size_t i = 0; i < photo.size(); ++i)
        photo[i] = static_cast<char>(i * 7);
    Multipart mp;
    ASSERT_TRUE(mp.addField("tool", "staging").ok());
    ASSERT_TRUE(mp.addBuffer("image", fs::bytes(photo), "p.jpg", "image/jpeg").ok());
    RecordingObserver obs;
    Header headers[] = {{"X-Api-Key", "k"}};
    Request req;
    req.method = "POST";
    std::string url = httpsUrl(srv, "/upload");
    req.url = url;
    req.headers = headers;
    req.body = &mp;
    req.observer = &obs;
    std::byte buf[64];
    BufferSink sink(buf);
    auto r = client_.send(req, sink);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(received.size(), mp.size());
    std::string expect(static_cast<size_t>(mp.size()), '\0');
    ASSERT_TRUE(mp.rewind().ok());
    ASSERT_EQ(*mp.read(std::span(reinterpret_cast<std::byte*>(expect.data()), expect.size())),
              expect.size());
    EXPECT_TRUE(received == expect);
    EXPECT_NE(
        head.find("Content-Type: multipart/form-data; boundary=" + std::string(mp.boundary())),
        std::string::npos);
    EXPECT_NE(head.find("Content-Length: " + std::to_string(mp.size())), std::string::npos);
    EXPECT_EQ(obs.sent, mp.size());
    EXPECT_EQ(obs.total, mp.size());
    EXPECT_GT(obs.calls, 10);
    EXPECT_FALSE(obs.suite.empty());
    // The upload's start, its progress, then the answer that says the server has it all
    EXPECT_EQ(obs.order, "sua");
    EXPECT_EQ(obs.startTotal, mp.size());
    EXPECT_EQ(obs.answered, 201);
}

TEST_F(HttpClientTest, LargeDownloadOverTlsArrivesIntact) {
    std::string body(3 * 1024 * 1024 + 17, '\0');
    for (size_t i = 0; i < body.size(); ++i)
        body[i] = static_cast<char>((i * 2654435761u) >> 13);
    TestServer srv(&httpTestLeaf(), [&](ServerConn& c) {
        if (c.readHead().empty()) return false;
        return c.write(response(200, body));
    });
    std::vector<std::byte> buf(body.size());
    BufferSink sink(buf);
    auto r = get(httpsUrl(srv, "/big"), sink);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->bodyBytes, body.size());
    EXPECT_TRUE(sink.text() == body);
}

TEST_F(HttpClientTest, OversizedReplyHeaderAndBadRequestHeadersAreRefused) {
    TestServer srv(nullptr, [](ServerConn& c) {
        if (c.readHead().empty()) return false;
        return c.write("HTTP/1.1 200 OK\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n");
    });
    NullSink sink;
    auto big = get(httpUrl(srv, "/"), sink);
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().code(), Errc::HttpTooLarge);
    for (Header h :
         {Header{"X-Bad", "a\r\nInjected: 1"}, Header{"Host", "other"}, Header{"Bad Name", "v"}}) {
        Request req;
        std::string url = httpUrl(srv, "/");
        req.url = url;
        req.headers = std::span(&h, 1);
        auto r = client_.send(req, sink);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code(), Errc::InvalidArgument) << h.name;
    }
}

TEST_F(HttpClientTest, RefusedConnectionNamesTheAddress) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
    ::close(fd);  // nothing listens there now
    NullSink sink;
    auto r = get("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/", sink);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), Errc::NetConnect);
    EXPECT_NE(std::string(r.error().message()).find("127.0.0.1"), std::string::npos);
}

}  // namespace
}  // namespace snapstage::net::test
