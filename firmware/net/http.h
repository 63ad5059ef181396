// SPDX-License-Identifier: MIT
// HTTP/1.1 client over TCP or TLS: keep-alive reuse of one connection, redirects, streamed
// request bodies (BodySource) and response bodies (BodySink), progress reports. Buffers are
// allocated by init(); a request/response cycle on an open connection allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "firmware/net/body.h"
#include "firmware/net/http_parser.h"
#include "firmware/net/socket.h"
#include "firmware/net/tls.h"
#include "firmware/net/url.h"
#include "firmware/util/result.h"

namespace snapstage::net {

struct HttpOptions {
    size_t ioBufferBytes = 16384;      // request head + upload chunks + download reads
    size_t responseHeadBytes = 16384;  // status line + headers of one response
    size_t maxResponseHeaders = 64;
    SocketTimeouts timeouts;
    int maxRedirects = 5;
    std::string_view userAgent = "snapstage";
    const Clock* clock = nullptr;  // what Request::timeoutMs is measured on; null: the system's
};

// What the connection in use looks like (for events and logs).
struct ConnectionInfo {
    const char* peer = "";  // numeric IP address
    bool tls = false;
    TlsInfo tlsInfo;
    bool reused = false;  // an open keep-alive connection carried this request
};

// Callbacks during a request, on the calling thread. All optional.
class HttpObserver {
public:
    virtual ~HttpObserver() = default;
    // A new connection was opened (after the TLS handshake for https).
    virtual void onConnected(const ConnectionInfo&) noexcept {}
    // A request body of `total` bytes starts to go out (again on each attempt of it).
    virtual void onUploadStart(uint64_t /*total*/) noexcept {}
    // Request body bytes handed to the connection so far, of `total`.
    virtual void onUpload(uint64_t /*sent*/, uint64_t /*total*/) noexcept {}
    // The answer (`status`) to a request whose body went out whole has begun to arrive: the
    // server has read the whole body.
    virtual void onUploadAnswered(int /*status*/) noexcept {}
    // Response body bytes received so far; `total` -1 when the length is unknown.
    virtual void onDownload(uint64_t /*received*/, int64_t /*total*/) noexcept {}

protected:
    HttpObserver() = default;
    HttpObserver(const HttpObserver&) = default;
    HttpObserver& operator=(const HttpObserver&) = default;
};

struct Request {
    std::string_view method = "GET";
    std::string_view url;
    // Extra headers. Host, Content-Length, Transfer-Encoding and Connection are the client's
    // own and are refused here. Authorization, X-Api-Key, Cookie and Proxy-Authorization are
    // dropped when a redirect leads to another origin.
    std::span<const Header> headers;
    BodySource* body = nullptr;  // borrowed; its size is sent as Content-Length
    int64_t timeoutMs = 0;       // the whole exchange, redirects included; 0: no overall limit
    bool followRedirects = true;
    HttpObserver* observer = nullptr;
};

// The final response. Views (reason, headers, url) stay valid until the next send().
struct Response {
    int status = 0;
    std::string_view reason;
    const ResponseHead* head = nullptr;
    int64_t contentLength = -1;  // from the header; -1 when absent
    uint64_t bodyBytes = 0;      // bytes handed to the sink
    int64_t retryAfterS = -1;    // Retry-After in seconds from now; -1 when absent
    int redirects = 0;
    std::string_view url;  // the URL that answered (after redirects)

    std::string_view header(std::string_view name) const noexcept {
        return head ? head->get(name) : std::string_view();
    }
};

// One client per thread that uses it (the job pipeline's worker, or a command); not thread-safe.
class HttpClient {
public:
    HttpClient() noexcept;
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Allocates the buffers and the TLS session (if `tls` is given: borrowed, must outlive this
    // client; without it only http:// works). Errors: NoMemory, InvalidArgument.
    Status init(TlsContext* tls, const HttpOptions& options) noexcept;

    // Sends `request` and streams the final response's body into `sink` (begin/write/finish).
    // Any status is a successful Response: the caller decides what a 4xx means. Errors: those of
    // Url::parse, Socket, TlsStream, the body source and sink, HttpProtocol / HttpTooLarge for a
    // bad reply, HttpRedirect for a redirect loop, NetClosed when the server closed early.
    Result<Response> send(const Request& request, BodySink& sink) noexcept;

    // Closes the kept-alive connection (with TLS close_notify).
    void close() noexcept;
    const ConnectionInfo& connection() const noexcept { return info_; }

    struct Conn;

private:
    struct Exchange;
    Status connect(const Url& url, const Deadline& deadline, HttpObserver* observer) noexcept;
    Status roundTrip(Exchange& x) noexcept;
    Status writeRequest(Exchange& x) noexcept;
    Status readHead(Exchange& x) noexcept;
    Status readBody(Exchange& x, BodySink& sink) noexcept;
    Result<size_t> renderHead(const Exchange& x) noexcept;
    bool followable(const Exchange& x) const noexcept;
    Status followRedirect(Exchange& x, int redirects) noexcept;

    HttpOptions options_;
    std::unique_ptr<Conn> conn_;
    std::unique_ptr<std::byte[]> io_;
    std::unique_ptr<char[]> head_;
    std::unique_ptr<Header[]> headerSlots_;
    std::unique_ptr<Url> url_;
    std::unique_ptr<Url> next_;
    ResponseHead response_;
    ConnectionInfo info_;
    size_t headBytes_ = 0;  // bytes in head_ (head plus any body bytes read with it)
    size_t headEnd_ = 0;
    bool initialised_ = false;
};

}  // namespace snapstage::net
