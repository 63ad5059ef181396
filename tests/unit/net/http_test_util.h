// SPDX-License-Identifier: MIT
// Shared set-up of the HTTP client tests: the test CA, a client trusting it, request helpers.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "firmware/net/http.h"
#include "tests/unit/net/test_pki.h"
#include "tests/unit/net/test_server.h"

namespace snapstage::net::test {

inline const Credential& httpTestCa() {
    static const Credential ca = makeCa("Snapstage HTTP Test Root");
    return ca;
}

inline const Credential& httpTestLeaf() {
    static const Credential leaf =
        makeLeaf(&httpTestCa(), "Snapstage HTTP Test Root", {"localhost"});
    return leaf;
}

// The path of a request head's request line ("GET /a HTTP/1.1" -> "/a").
inline std::string pathOf(const std::string& head) {
    size_t sp = head.find(' ');
    return head.substr(sp + 1, head.find(' ', sp + 1) - sp - 1);
}

class HttpClientFixture : public ::testing::Test {
protected:
    void SetUp() override {
        TlsSettings s;
        s.caPem = httpTestCa().certPem;
        ASSERT_TRUE(tls_.init(s).ok());
        HttpOptions o;
        o.timeouts = SocketTimeouts{2000, 5000};
        ASSERT_TRUE(client_.init(&tls_, o).ok());
    }
    static std::string httpsUrl(TestServer& s, const std::string& path) {
        return "https://localhost:" + std::to_string(s.port()) + path;
    }
    static std::string httpUrl(TestServer& s, const std::string& path) {
        return "http://127.0.0.1:" + std::to_string(s.port()) + path;
    }
    Result<Response> get(const std::string& url, BodySink& sink) {
        Request r;
        r.url = url;
        return client_.send(r, sink);
    }

    TlsContext tls_;
    HttpClient client_;
};

}  // namespace snapstage::net::test
