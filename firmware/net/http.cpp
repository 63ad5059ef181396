// SPDX-License-Identifier: MIT
// HTTP/1.1 client: connections, keep-alive, redirects, response reading.
#include "firmware/net/http.h"

#include <cstdio>
#include <cstring>
#include <ctime>
#include <new>

#include "firmware/net/http_internal.h"

namespace snapstage::net {

HttpClient::HttpClient() noexcept = default;
HttpClient::~HttpClient() {
    close();
}

Status HttpClient::init(TlsContext* tls, const HttpOptions& options) noexcept {
    if (options.ioBufferBytes < 1024 || options.responseHeadBytes < 256 ||
        options.maxResponseHeaders == 0)
        return fail(Errc::InvalidArgument, "HTTP buffers too small");
    options_ = options;
    conn_.reset(new (std::nothrow) Conn);
    io_.reset(new (std::nothrow) std::byte[options.ioBufferBytes]);
    head_.reset(new (std::nothrow) char[options.responseHeadBytes]);
    headerSlots_.reset(new (std::nothrow) Header[options.maxResponseHeaders]);
    url_.reset(new (std::nothrow) Url);
    next_.reset(new (std::nothrow) Url);
    if (!conn_ || !io_ || !head_ || !headerSlots_ || !url_ || !next_)
        return fail(Errc::NoMemory, "no memory for the HTTP buffers");
    if (tls) {
        SNAPSTAGE_TRY(conn_->tls.init(*tls));
        conn_->tlsReady = true;
    }
    response_.slots = std::span(headerSlots_.get(), options.maxResponseHeaders);
    initialised_ = true;
    return okStatus();
}

void HttpClient::close() noexcept {
    if (!conn_) return;
    if (conn_->open && conn_->stream == &conn_->tls) conn_->tls.close();
    conn_->socket.close();
    conn_->open = false;
    conn_->stream = nullptr;
}

Status HttpClient::connect(const Url& url, const Deadline& deadline,
                           HttpObserver* observer) noexcept {
    Conn& c = *conn_;
    if (c.open && c.scheme == url.scheme() && c.port == url.port() && url.host() == c.host &&
        !c.socket.idleConnectionBroken()) {
        c.socket.setDeadline(deadline);
        info_.reused = true;
        return okStatus();
    }
    close();
    info_ = ConnectionInfo{};
    if (url.https() && !c.tlsReady)
        return fail(Errc::TlsConfig, "https:// needs a TLS context (internal set-up error)");
    if (url.host().size() >= sizeof c.host) return fail(Errc::InvalidArgument, "host too long");
    SNAPSTAGE_TRY(c.socket.connect(url.host(), url.port(), options_.timeouts, deadline));
    if (url.https()) {
        Status st = c.tls.handshake(c.socket, url.host(), url.port());
        if (!st) {
            c.socket.close();
            return st;
        }
        c.stream = &c.tls;
        info_.tls = true;
        info_.tlsInfo = c.tls.info();
    } else {
        c.stream = &c.socket;
    }
    std::memcpy(c.host, url.host().data(), url.host().size());
    c.host[url.host().size()] = '\0';
    c.port = url.port();
    c.scheme = url.scheme();
    c.open = true;
    info_.peer = c.socket.peerAddress();
    if (observer) observer->onConnected(info_);
    return okStatus();
}

bool HttpClient::followable(const Exchange& x) const noexcept {
    int s = response_.status;
    if (!x.req->followRedirects || response_.get("Location").empty()) return false;
    if (s == 303) return true;
    bool safe = x.method == "GET" || x.method == "HEAD";
    return safe && (s == 301 || s == 302 || s == 307 || s == 308);
}

// One request and the head of its final (non-1xx) response, on a connection opened or reused;
// a reused connection the server had already closed is replaced once: for any request that did
// not get out whole, and for a whole one only when repeating it is harmless (GET, HEAD, PUT,
// DELETE, OPTIONS). A POST that went out whole may have been acted on: its loss is reported, so
// that the caller looks before it creates anything again.
Status HttpClient::roundTrip(Exchange& x) noexcept {
    const bool idempotent = x.method == "GET" || x.method == "HEAD" || x.method == "PUT" ||
                            x.method == "DELETE" || x.method == "OPTIONS";
    for (int attempt = 0;; ++attempt) {
        SNAPSTAGE_TRY(connect(*url_, x.deadline, x.req->observer));
        x.gotBytes = false;
        Status st = writeRequest(x);
        const bool sentWhole = st.ok();
        if (st) {
            st = readHead(x);
            if (st && x.body && x.req->observer)
                x.req->observer->onUploadAnswered(response_.status);
        } else if (x.uploadFailed) {
            // The server may have answered before it stopped reading (413, 401): use that.
            Status early = readHead(x);
            if (early) return early;
        }
        if (st) return st;
        close();
        bool stale = info_.reused && !x.gotBytes && attempt == 0 &&
                     (st.error().code() == Errc::NetClosed || st.error().code() == Errc::NetIo) &&
                     (idempotent || !sentWhole);
        if (!stale) return st;
    }
}

// Moves on to the Location of the redirect in response_ (its body drained), dropping credentials
// when the origin changes and turning a 303 into a GET without body.
Status HttpClient::followRedirect(Exchange& x, int redirects) noexcept {
    std::string_view location = response_.get("Location");
    if (redirects >= options_.maxRedirects) {
        close();  // its body was not read
        return failf(Errc::HttpRedirect, response_.status,
                     "more than %d redirects (the last to %.*s): the server loops",
                     options_.maxRedirects, static_cast<int>(location.size()), location.data());
    }
    auto next = url_->resolve(location);
    if (!next) {
        close();
        return fail(next.error().withContext("bad redirect Location"));
    }
    *next_ = *next;  // before readBody: the Location view points into the head buffer
    NullSink discard;
    if (!readBody(x, discard)) close();
    if (!next_->sameOrigin(*url_)) x.dropCredentials = true;
    if (response_.status == 303 && x.method != "HEAD") {
        x.method = "GET";
        x.body = nullptr;
    }
    std::swap(url_, next_);
    return okStatus();
}

Result<Response> HttpClient::send(const Request& request, BodySink& sink) noexcept {
    if (!initialised_) return fail(Errc::Internal, "HttpClient used before init");
    auto parsed = Url::parse(request.url);
    if (!parsed) return fail(parsed.error());
    *url_ = *parsed;
    Exchange x;
    x.req = &request;
    x.method = request.method;
    x.body = request.body;
    x.deadline =
        request.timeoutMs > 0
            ? Deadline::afterMs(request.timeoutMs, options_.clock ? *options_.clock : systemClock())
            : Deadline::never();
    Response r;
    for (;;) {
        Status st = roundTrip(x);
        if (!st) return fail(st.error());
        auto framing = bodyFraming(response_, x.method);
        if (!framing) {
            close();
            return fail(framing.error());
        }
        x.framing = *framing;
        if (!followable(x)) break;
        SNAPSTAGE_TRY(followRedirect(x, r.redirects));
        ++r.redirects;
    }
    r.status = response_.status;
    r.reason = response_.reason;
    r.head = &response_;
    r.contentLength =
        x.framing.kind == BodyKind::Length ? static_cast<int64_t>(x.framing.length) : -1;
    r.retryAfterS = parseRetryAfter(response_.get("Retry-After"), ::time(nullptr));
    r.url = url_->text();
    Status st = sink.begin(r.status, r.contentLength);
    if (st) st = readBody(x, sink);
    if (!st) {
        close();
        return fail(st.error());
    }
    r.bodyBytes = x.bodyBytes;
    SNAPSTAGE_TRY(sink.finish());
    return r;
}

Status HttpClient::readHead(Exchange& x) noexcept {
    Stream& s = *conn_->stream;
    size_t cap = options_.responseHeadBytes;
    headBytes_ = 0;
    size_t scanned = 0;
    for (;;) {
        size_t end = findHeadEnd(std::string_view(head_.get(), headBytes_), scanned);
        scanned = headBytes_;
        if (end != 0) {
            SNAPSTAGE_TRY(parseResponseHead(std::string_view(head_.get(), end), response_));
            if (response_.status >= 200 || response_.status == 101) {
                headEnd_ = end;
                return okStatus();
            }
            // 1xx (100 Continue, 103 Early Hints): skip it, the real response follows.
            std::memmove(head_.get(), head_.get() + end, headBytes_ - end);
            headBytes_ -= end;
            scanned = 0;
            continue;
        }
        if (headBytes_ == cap)
            return failf(Errc::HttpTooLarge, 0,
                         "the server's response header is larger than %zu bytes", cap);
        auto n = s.read(
            std::span(reinterpret_cast<std::byte*>(head_.get()) + headBytes_, cap - headBytes_));
        if (!n) return fail(n.error());
        if (*n == 0) {
            if (headBytes_ == 0 && !x.gotBytes)
                return failf(Errc::NetClosed, 0,
                             "%s closed the connection without replying: retry later", conn_->host);
            return fail(Errc::HttpProtocol, "the server closed the connection mid-header");
        }
        x.gotBytes = true;
        headBytes_ += *n;
    }
}

Status HttpClient::readBody(Exchange& x, BodySink& sink) noexcept {
    BodyDecoder decoder;
    decoder.reset(x.framing);
    x.bodyBytes = 0;
    HttpObserver* obs = x.req->observer;
    int64_t total =
        x.framing.kind == BodyKind::Length ? static_cast<int64_t>(x.framing.length) : -1;
    bool extra = false;
    auto feed = [&](std::span<const std::byte> in) -> Status {
        while (!in.empty() && !decoder.done()) {
            auto step = decoder.step(in);
            if (!step) return fail(step.error());
            if (!step->data.empty()) {
                SNAPSTAGE_TRY(sink.write(step->data));
                x.bodyBytes += step->data.size();
                if (obs) obs->onDownload(x.bodyBytes, total);
            }
            in = in.subspan(step->consumed);
        }
        extra = extra || !in.empty();
        return okStatus();
    };
    SNAPSTAGE_TRY(feed(std::span(reinterpret_cast<const std::byte*>(head_.get()) + headEnd_,
                                 headBytes_ - headEnd_)));
    std::span<std::byte> buf(io_.get(), options_.ioBufferBytes);
    while (!decoder.done()) {
        auto n = conn_->stream->read(buf);
        if (!n) return fail(n.error());
        if (*n == 0) {
            if (decoder.endsAtClose()) break;
            if (total >= 0)
                return failf(Errc::NetClosed, 0,
                             "%s closed the connection after %llu of %lld body bytes: retry",
                             conn_->host, static_cast<unsigned long long>(x.bodyBytes),
                             static_cast<long long>(total));
            return failf(Errc::NetClosed, 0,
                         "%s closed the connection in the middle of a chunked body: retry",
                         conn_->host);
        }
        SNAPSTAGE_TRY(feed(buf.first(*n)));
    }
    // Bytes past the body, or a server that will close: the connection cannot carry more.
    if (extra || !x.framing.keepAlive || x.uploadFailed || response_.status == 101) close();
    return okStatus();
}

}  // namespace snapstage::net
