// SPDX-License-Identifier: MIT
// The memory rule of DESIGN.md section 4: once the client's buffers are set up, a request/response
// cycle on an open keep-alive TLS connection makes no heap allocation. Handshake allocations
// (Mbed TLS's own) are counted and reported separately.
#include <cstdio>

#include "tests/unit/net/alloc_counter.h"
#include "tests/unit/net/http_test_util.h"

namespace snapstage::net::test {
namespace {

using AllocationTest = HttpClientFixture;
using snapstage::test::allocationCountingMethod;
using snapstage::test::startCountingAllocations;
using snapstage::test::stopCountingAllocations;

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
    startCountingAllocations();
    ASSERT_TRUE(client_.send(get, sink).ok());
    uint64_t handshake = stopCountingAllocations();

    // When several requests run on it
    startCountingAllocations();
    bool ok = true;
    for (int i = 0; i < 5; ++i) {
        ok = ok && client_.send(get, sink).ok();
        ok = ok && client_.send(post, sink).ok();
        ok = ok && client_.send(chunked, sink).ok();
    }
    uint64_t steady = stopCountingAllocations();

    // Then nothing was allocated
    ASSERT_TRUE(ok);
    EXPECT_EQ(srv.stats().connections.load(), 1);
    EXPECT_EQ(steady, 0u) << "allocations in 15 keep-alive request/response cycles";

    // And a reconnect (resumed) and a full handshake are counted for the record.
    client_.close();
    startCountingAllocations();
    ASSERT_TRUE(client_.send(get, sink).ok());
    uint64_t resumed = stopCountingAllocations();
    EXPECT_TRUE(client_.connection().tlsInfo.resumed);
    std::printf(
        "allocations (%s): first connection + full handshake + request %llu, "
        "reconnect with resumed session %llu, 15 keep-alive request/response cycles %llu\n",
        allocationCountingMethod(), static_cast<unsigned long long>(handshake),
        static_cast<unsigned long long>(resumed), static_cast<unsigned long long>(steady));
    RecordProperty("handshake_allocations", static_cast<int>(handshake));
    RecordProperty("resumed_allocations", static_cast<int>(resumed));
}

}  // namespace
}  // namespace snapstage::net::test
