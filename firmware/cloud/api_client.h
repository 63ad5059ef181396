// SPDX-License-Identifier: MIT
// ApiClient: how a service adapter talks HTTP. JSON calls to the service's API origin (with the
// API key, over the API's TLS context and its pins, on a kept-alive connection), and transfers to
// other origins (result CDNs, presigned storage URLs) over a second client with no key, no pins
// and its own connection. Response bodies are parsed into an arena; the HTTP status to error
// mapping lives here, once for every adapter. Buffers are sized by init(); calls allocate nothing
// in the project's code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "firmware/net/body.h"
#include "firmware/net/http.h"
#include "firmware/util/arena.h"
#include "firmware/util/fixed_string.h"
#include "firmware/util/json.h"
#include "firmware/util/result.h"

namespace snapstage::cloud {

// Which error body shape a service answers with.
enum class ErrorShape : uint8_t {
    AiHomeDesign,  // {"error": "...", "key": "api_error_..."}
    Autoenhance,   // {"message": "...", "detail": ...}
};

struct ApiSettings {
    std::string_view baseUrl;  // "https://api.aihomedesign.com" (no trailing slash needed)
    std::string_view apiKey;   // sent as x-api-key on API calls only; borrowed
    ErrorShape errors = ErrorShape::AiHomeDesign;
    size_t responseBytes = 256 * 1024;  // largest JSON answer
    size_t arenaBytes = 1024 * 1024;    // parsed JSON of one answer
    int64_t callTimeoutMs = 120000;     // one call, redirects included
    int64_t transferTimeoutMs = 0;      // one upload or download (0: only the I/O timeouts)
};

// A JSON answer with a 2xx status. `data` is the body, unwrapped when it was {"data": ...}.
// Views stay valid until the next call on this client.
struct ApiReply {
    int status = 0;
    json::Value data;
};

// The body of a success: `root` itself, or its "data" member when the service wrapped it as
// {"data": object or array, ...} (API.md 0: both forms are read).
json::Value unwrapData(json::Value root) noexcept;

// Transient failures worth retrying: connection errors, resets, timeouts, 5xx, 408, 429.
bool isTransient(const Error& error) noexcept;
// Seconds the server asked us to wait (429/503 Retry-After), or -1. Kept in Error::detail().
int64_t retryAfterSeconds(const Error& error) noexcept;

// The error for a non-2xx reply to `what` ("create order"): 429 ApiRateLimited (detail: the
// Retry-After seconds or -1), 408 and 5xx ApiServer, 401/403 ApiRejected with advice about the
// key, other 4xx ApiRejected; the message quotes the service's own error text. Pure.
// `keyed` false: the request went without the API key (a CDN, a presigned upload URL), so a
// 401/403 says the URL was refused (expired, signature) rather than blaming the key.
Error statusError(ErrorShape shape, const char* what, int status, std::string_view body,
                  int64_t retryAfterS, bool keyed = true) noexcept;

class ApiClient {
public:
    ApiClient() noexcept;
    ~ApiClient();
    ApiClient(const ApiClient&) = delete;
    ApiClient& operator=(const ApiClient&) = delete;

    // `apiTls` (with the configured pins) is used for the API origin, `otherTls` (same trust
    // roots, no pins) for every other origin; both borrowed. Allocates the buffers.
    // Errors: InvalidArgument (bad base URL), NoMemory.
    Status init(const ApiSettings& settings, net::TlsContext* apiTls, net::TlsContext* otherTls,
                const net::HttpOptions& http) noexcept;

    // `method` `path` (appended to the base URL, e.g. "/v3/order?x=1") with x-api-key and, when
    // given, `body` (JSON or multipart). Errors: statusError() for a non-2xx reply, ApiResponse
    // for a body that is not JSON, and the transport's errors; messages start with `what`.
    Result<ApiReply> call(std::string_view method, std::string_view path, net::BodySource* body,
                          const char* what, net::HttpObserver* observer = nullptr) noexcept;
    // Like call() for a GET that may answer with something else than JSON (a result image, a
    // redirect to it): the body goes to `sink` when the status is 2xx and the type is not JSON;
    // a JSON 2xx body is parsed into `json`; a 3xx is returned with `location` set, unfollowed.
    struct Fetched {
        int status = 0;
        bool json = false;
        json::Value data;
        std::string_view location;  // of a 3xx
        uint64_t bytes = 0;         // given to the sink
    };
    Result<Fetched> fetch(std::string_view path, net::BodySink& sink, const char* what,
                          net::HttpObserver* observer = nullptr) noexcept;

    // GET of an absolute URL on any origin but the API's, without the API key, following
    // redirects; the 2xx body streams into `sink`. Errors: statusError() (with S3/CDN text),
    // transport errors.
    Status download(std::string_view url, net::BodySink& sink, const char* what,
                    net::HttpObserver* observer = nullptr) noexcept;
    // PUT (or another method) of `body` to an absolute URL off the API origin, without the key;
    // the body's own content type is sent, exactly.
    Status upload(std::string_view url, net::BodySource& body, const char* what,
                  net::HttpObserver* observer = nullptr) noexcept;

    // True when `url` is on the API's origin (same scheme, host and port).
    bool onApiOrigin(std::string_view url) const noexcept;
    // Closes both kept-alive connections.
    void close() noexcept;

    // The `Date` of the last answer from the API origin (Unix time; 0 before one). Sent over a
    // verified TLS connection: the clock floor's source.
    int64_t serverDate() const noexcept { return serverDate_; }

    // Requests made since init (for events and tests).
    uint64_t requests() const noexcept { return requests_; }
    // TLS handshakes completed over both contexts since they were set up (the fleet metrics).
    net::HandshakeCounts tlsHandshakes() const noexcept;

private:
    Result<net::Response> sendApi(std::string_view method, std::string_view path,
                                  net::BodySource* body, net::BodySink& sink, bool follow,
                                  net::HttpObserver* observer) noexcept;
    Result<json::Value> parseBody(std::string_view text, const char* what) noexcept;
    Result<net::Response> offOrigin(std::string_view method, std::string_view url,
                                    net::BodySource* body, net::BodySink& sink, const char* what,
                                    net::HttpObserver* observer) noexcept;

    ApiSettings settings_;
    const net::TlsContext* apiTls_ = nullptr;
    const net::TlsContext* otherTls_ = nullptr;
    net::HttpClient api_;
    net::HttpClient other_;
    std::unique_ptr<std::byte[]> response_;
    Arena arena_;
    json::Document doc_;
    FixedString<net::Url::kCapacity> url_;
    FixedString<512> base_;
    FixedString<net::Url::kCapacity> location_;
    uint64_t requests_ = 0;
    int64_t serverDate_ = 0;
};

}  // namespace snapstage::cloud
