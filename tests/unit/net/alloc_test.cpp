// SPDX-License-Identifier: MIT
// The memory rule of DESIGN.md section 4: once the client's buffers are set up, a request/response
// cycle on an open keep-alive TLS connection makes no heap allocation. Handshake allocations
// (Mbed TLS's own) are counted and reported separately.
#include <cstdio>

#include "tests/support/alloc_counter.h"
#include "tests/unit/net/http_test_util.h"

namespace snapstage::net::test {
namespace {

using AllocationTest = HttpClientFixture;
using snapstage::test::AllocCounts;
using snapstage::test::AllocScope;
using snapstage::test::countingMethod;

TEST_F(AllocationTest, KeepAliveCycleAllocatesNothing) {
    TestServer srv(&httpTestLeaf(), [](ServerConn& c) {
        std::string head = c.readHead();
        if (head.empty()) return false;
        c.readBody(head);
        if (pathOf(head) == "/chunked")
            return c.write(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3\r\nabc\r\n0\r\n\r\n");
        return c.write(response(200, "{\"status\":\"done\",\"eta\":0}"));
    });
    std::string url = httpsUrl(srv, "/poll");
    std::string chunkedUrl = httpsUrl(srv, "/chunked");
    std::string body = "{\"order\":1}";
    BufferSource src(fs::bytes(body), "application/json");
    Header headers[] = {{"X-Api-Key", "key"}};
    static std::byte buf[4096];
    BufferSink sink(buf);
    Request get;
    get.url = url;
    get.headers = headers;
    Request post = get;
    post.method = "POST";
    post.body = &src;
    Request chunked = get;
    chunked.url = chunkedUrl;

    // Given an established connection (warm-up: connect, handshake, first request)
    AllocScope first;
    ASSERT_TRUE(client_.send(get, sink).ok());
    const AllocCounts handshake = first.stop();

    // When several requests run on it
    AllocScope cycles;
    bool ok = true;
    for (int i = 0; i < 5; ++i) {
        ok = ok && client_.send(get, sink).ok();
        ok = ok && client_.send(post, sink).ok();
        ok = ok && client_.send(chunked, sink).ok();
    }
    const AllocCounts steady = cycles.stop();

    // Then nothing was allocated
    ASSERT_TRUE(ok);
    EXPECT_EQ(srv.stats().connections.load(), 1);
    EXPECT_EQ(steady.operatorNew, 0u) << "operator new calls in 15 keep-alive cycles";
    EXPECT_EQ(steady.mallocCalls, 0u) << "malloc-family calls in 15 keep-alive cycles";

    // And a reconnect (resumed) and a full handshake are counted for the record.
    client_.close();
    AllocScope reconnect;
    ASSERT_TRUE(client_.send(get, sink).ok());
    const AllocCounts resumed = reconnect.stop();
    EXPECT_TRUE(client_.connection().tlsInfo.resumed);
    std::printf(
        "allocations (%s): first connection + full handshake + request %llu, "
        "reconnect with resumed session %llu, 15 keep-alive request/response cycles %llu\n",
        countingMethod(), static_cast<unsigned long long>(handshake.mallocCalls),
        static_cast<unsigned long long>(resumed.mallocCalls),
        static_cast<unsigned long long>(steady.mallocCalls));
    RecordProperty("handshake_allocations", static_cast<int>(handshake.mallocCalls));
    RecordProperty("resumed_allocations", static_cast<int>(resumed.mallocCalls));
}

}  // namespace
}  // namespace snapstage::net::test
