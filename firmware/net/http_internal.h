// SPDX-License-Identifier: MIT
// Internal to firmware/net: the connection and per-request state of HttpClient.
#pragma once

#include "firmware/net/http.h"

namespace snapstage::net {

struct HttpClient::Conn {
    Socket socket;
    TlsStream tls;
    bool tlsReady = false;
    Stream* stream = nullptr;  // &socket or &tls while open
    bool open = false;
    Scheme scheme = Scheme::Https;
    char host[256] = {};
    uint16_t port = 0;
};

struct HttpClient::Exchange {
    const Request* req = nullptr;
    std::string_view method;
    BodySource* body = nullptr;
    Deadline deadline;
    Framing framing;
    bool dropCredentials = false;  // a redirect changed the origin
    bool gotBytes = false;         // response bytes arrived on this attempt
    bool uploadFailed = false;     // the head went out but the body did not
    uint64_t bodyBytes = 0;
};

}  // namespace snapstage::net
