// SPDX-License-Identifier: MIT
// HTTP/1.1 request writer: the request head, then the body streamed from its source.
#include <cstdio>
#include <cstring>

#include "firmware/net/http.h"
#include "firmware/net/http_internal.h"

namespace snapstage::net {
namespace {

bool isOwnHeader(std::string_view name) noexcept {
    return equalsNoCase(name, "Host") || equalsNoCase(name, "Content-Length") ||
           equalsNoCase(name, "Transfer-Encoding") || equalsNoCase(name, "Connection");
}

bool isCredential(std::string_view name) noexcept {
    return equalsNoCase(name, "Authorization") || equalsNoCase(name, "X-Api-Key") ||
           equalsNoCase(name, "Cookie") || equalsNoCase(name, "Proxy-Authorization");
}

bool validToken(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (c <= 0x20 || c >= 0x7f || std::strchr("\"(),/:;<=>?@[\\]{}", c)) return false;
    return true;
}

bool validValue(std::string_view s) noexcept {
    for (char c : s)
        if (c == '\r' || c == '\n' || c == '\0') return false;
    return true;
}

// Appends to a fixed buffer; remembers overflow.
struct Writer {
    char* buf;
    size_t cap;
    size_t len = 0;
    bool overflow = false;
    void put(std::string_view s) noexcept {
        if (s.size() > cap - len) {
            overflow = true;
            return;
        }
        std::memcpy(buf + len, s.data(), s.size());
        len += s.size();
    }
    void header(std::string_view name, std::string_view value) noexcept {
        put(name);
        put(": ");
        put(value);
        put("\r\n");
    }
};

}  // namespace

Result<size_t> HttpClient::renderHead(const Exchange& x) noexcept {
    if (!validToken(x.method)) return fail(Errc::InvalidArgument, "bad HTTP method");
    Writer w{reinterpret_cast<char*>(io_.get()), options_.ioBufferBytes};
    w.put(x.method);
    w.put(" ");
    w.put(url_->target());
    w.put(" HTTP/1.1\r\n");
    char host[300];
    size_t hostLen = url_->hostHeader(host, sizeof host);
    w.header("Host", std::string_view(host, hostLen));
    bool hasAgent = false, hasAccept = false, hasType = false;
    for (const Header& h : x.req->headers) {
        if (!validToken(h.name) || !validValue(h.value))
            return failf(Errc::InvalidArgument, 0, "bad request header \"%.*s\"",
                         static_cast<int>(h.name.size() > 60 ? 60 : h.name.size()), h.name.data());
        if (isOwnHeader(h.name))
            return failf(Errc::InvalidArgument, 0, "the %.*s header is set by the client itself",
                         static_cast<int>(h.name.size()), h.name.data());
        if (x.dropCredentials && isCredential(h.name)) continue;
        // A body-less request after a 303 must not describe the old body.
        if (!x.body && equalsNoCase(h.name, "Content-Type") && x.req->body) continue;
        hasAgent = hasAgent || equalsNoCase(h.name, "User-Agent");
        hasAccept = hasAccept || equalsNoCase(h.name, "Accept");
        hasType = hasType || equalsNoCase(h.name, "Content-Type");
        w.header(h.name, h.value);
    }
    if (!hasAgent) w.header("User-Agent", options_.userAgent);
    if (!hasAccept) w.header("Accept", "*/*");
    if (x.body) {
        if (!hasType && !x.body->contentType().empty())
            w.header("Content-Type", x.body->contentType());
        char len[24];
        int n =
            std::snprintf(len, sizeof len, "%llu", static_cast<unsigned long long>(x.body->size()));
        w.header("Content-Length", std::string_view(len, static_cast<size_t>(n)));
    } else if (x.method == "POST" || x.method == "PUT" || x.method == "PATCH") {
        w.header("Content-Length", "0");
    }
    w.put("\r\n");
    if (w.overflow)
        return failf(Errc::Overflow, 0, "the request header is larger than %zu bytes",
                     options_.ioBufferBytes);
    return w.len;
}

Status HttpClient::writeRequest(Exchange& x) noexcept {
    x.uploadFailed = false;
    auto headLen = renderHead(x);
    if (!headLen) return fail(headLen.error());
    Stream& s = *conn_->stream;
    std::span<std::byte> buf(io_.get(), options_.ioBufferBytes);
    size_t fill = *headLen;
    uint64_t total = x.body ? x.body->size() : 0;
    uint64_t sent = 0;
    if (x.body) SNAPSTAGE_TRY(x.body->rewind());
    HttpObserver* obs = x.req->observer;
    if (obs && x.body) obs->onUploadStart(total);
    // A body of many writes goes out corked: full segments only, the rest when it ends (or
    // fails: the guard uncorks on every way out).
    struct Cork {
        Socket* socket = nullptr;
        ~Cork() {
            if (socket) socket->setCorked(false);
        }
    } cork;
    if (x.body && total > buf.size() - fill) {
        cork.socket = &conn_->socket;
        cork.socket->setCorked(true);
    }
    for (;;) {
        // The head shares its first write with the start of the body: one record fewer.
        while (x.body && sent < total && fill < buf.size()) {
            auto n = x.body->read(buf.subspan(fill));
            if (!n) return fail(n.error());
            if (*n == 0) return fail(Errc::StorageIo, "the request body ended before its size");
            size_t take = static_cast<size_t>(std::min<uint64_t>(*n, total - sent));
            fill += take;
            sent += take;
        }
        if (fill == 0) break;
        Status st = writeAll(s, buf.first(fill));
        if (!st) {
            x.uploadFailed = true;
            return st;
        }
        fill = 0;
        if (obs && x.body) obs->onUpload(sent, total);
        if (!x.body || sent == total) break;
    }
    return okStatus();
}

}  // namespace snapstage::net
