// SPDX-License-Identifier: MIT
// ApiClient: JSON calls to the API origin, transfers to other origins, status to error mapping.
#include "firmware/cloud/api_client.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace snapstage::cloud {
namespace {

// Collects a body into a buffer (error bodies, JSON), or streams a 2xx body to `media` when one
// is given. With `sniff`, a 2xx body whose first byte opens a JSON value is collected instead
// (an endpoint that answers either an image or JSON with its URL).
class ReplySink final : public net::BodySink {
public:
    ReplySink(std::span<std::byte> buffer, net::BodySink* media, bool sniff = false) noexcept
        : buffer_(buffer), media_(media), sniff_(sniff) {}
    Status begin(int status, int64_t length) noexcept override {
        size_ = 0;
        length_ = length;
        success_ = status >= 200 && status <= 299;
        decided_ = !(success_ && media_);
        toMedia_ = false;
        return okStatus();
    }
    Status write(std::span<const std::byte> data) noexcept override {
        if (!decided_) {
            decided_ = true;
            auto first = data.empty() ? '\0' : static_cast<char>(data[0]);
            toMedia_ = !(sniff_ && (first == '{' || first == '['));
            if (toMedia_) SNAPSTAGE_TRY(media_->begin(200, length_));
        }
        if (toMedia_) return media_->write(data);
        // Keep what fits: an error body is quoted, a JSON body too large is reported.
        size_t n = std::min(data.size(), buffer_.size() - size_);
        if (n < data.size()) overflow_ = true;
        if (n) std::memcpy(buffer_.data() + size_, data.data(), n);
        size_ += n;
        return okStatus();
    }
    Status finish() noexcept override { return toMedia_ ? media_->finish() : okStatus(); }
    std::string_view text() const noexcept {
        return {reinterpret_cast<const char*>(buffer_.data()), size_};
    }
    bool overflowed() const noexcept { return overflow_; }
    bool toMedia() const noexcept { return toMedia_; }

private:
    std::span<std::byte> buffer_;
    net::BodySink* media_;
    bool sniff_;
    int64_t length_ = -1;
    size_t size_ = 0;
    bool success_ = false;
    bool decided_ = true;
    bool toMedia_ = false;
    bool overflow_ = false;
};

// The text between <tag> and </tag> in an S3-style XML error, or "".
std::string_view xmlField(std::string_view body, std::string_view tag) {
    char open[32], close[32];
    std::snprintf(open, sizeof open, "<%.*s>", static_cast<int>(tag.size()), tag.data());
    std::snprintf(close, sizeof close, "</%.*s>", static_cast<int>(tag.size()), tag.data());
    size_t a = body.find(open);
    if (a == std::string_view::npos) return {};
    a += std::strlen(open);
    size_t b = body.find(close, a);
    return b == std::string_view::npos ? std::string_view() : body.substr(a, b - a);
}

// The service's own words from an error body, into `out` (one line, at most `cap` - 1 bytes).
void serviceText(ErrorShape shape, std::string_view body, char* out, size_t cap) {
    out[0] = '\0';
    char scratch[4096];
    std::string_view text;
    auto doc = json::Document::parse(body);  // error bodies are rare and small: heap is fine
    if (doc && doc->root().isObject()) {
        json::Value root = doc->root();
        std::string_view a =
            root.get(shape == ErrorShape::Autoenhance ? "message" : "error").asString();
        std::string_view b = shape == ErrorShape::Autoenhance ? root.get("detail").asString()
                                                              : root.get("key").asString();
        if (a.empty())
            a = root.get(shape == ErrorShape::Autoenhance ? "error" : "message").asString();
        std::snprintf(scratch, sizeof scratch, "%.*s%s%.*s", static_cast<int>(a.size()), a.data(),
                      b.empty() ? "" : " (", static_cast<int>(b.size()), b.data());
        if (!b.empty()) std::strncat(scratch, ")", sizeof scratch - std::strlen(scratch) - 1);
        text = scratch;
    } else if (!xmlField(body, "Code").empty()) {
        std::string_view code = xmlField(body, "Code"), msg = xmlField(body, "Message");
        std::snprintf(scratch, sizeof scratch, "%.*s: %.*s", static_cast<int>(code.size()),
                      code.data(), static_cast<int>(msg.size()), msg.data());
        text = scratch;
    } else {
        text = body;
    }
    size_t n = 0;
    for (char c : text) {
        if (n + 1 >= cap) break;
        out[n++] = (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    }
    out[n] = '\0';
}

}  // namespace

bool isTransient(const Error& e) noexcept {
    switch (e.code()) {
        case Errc::NetDns:
        case Errc::NetConnect:
        case Errc::NetIo:
        case Errc::NetClosed:
        case Errc::NetTimeout:
        case Errc::TlsIo:
        case Errc::TlsHandshake:
        case Errc::HttpProtocol:
        case Errc::ApiServer:
        case Errc::ApiRateLimited:
        case Errc::Timeout:
            return true;
        default:
            return false;
    }
}

int64_t retryAfterSeconds(const Error& e) noexcept {
    return e.code() == Errc::ApiRateLimited || e.code() == Errc::ApiServer ? e.detail() : -1;
}

Error statusError(ErrorShape shape, const char* what, int status, std::string_view body,
                  int64_t retryAfterS, bool keyed) noexcept {
    char said[160];
    serviceText(shape, body, said, sizeof said);
    const char* sep = said[0] ? ": " : "";
    auto retry = static_cast<int32_t>(retryAfterS < 0       ? -1
                                      : retryAfterS > 86400 ? 86400
                                                            : retryAfterS);
    if (status == 429)
        return Error::format(Errc::ApiRateLimited, retry,
                             "%s: the service is rate limiting us (429)%s%s", what, sep, said);
    if (status == 408 || status >= 500)
        return Error::format(Errc::ApiServer, retry, "%s: the service failed (%d)%s%s", what,
                             status, sep, said);
    if ((status == 401 || status == 403) && !keyed)
        return Error::format(Errc::ApiRejected, status,
                             "%s: the storage refused the transfer (%d)%s%s: the link may have "
                             "expired; the job will need a new one",
                             what, status, sep, said);
    if (status == 401 || status == 403)
        return Error::format(Errc::ApiRejected, status,
                             "%s: the service refused the API key (%d)%s%s: check "
                             "service.api_key_file or SNAPSTAGE_API_KEY",
                             what, status, sep, said);
    return Error::format(Errc::ApiRejected, status, "%s: the service rejected the request (%d)%s%s",
                         what, status, sep, said);
}

ApiClient::ApiClient() noexcept = default;
ApiClient::~ApiClient() = default;

Status ApiClient::init(const ApiSettings& settings, net::TlsContext* apiTls,
                       net::TlsContext* otherTls, const net::HttpOptions& http) noexcept {
    settings_ = settings;
    std::string_view base = settings.baseUrl;
    while (!base.empty() && base.back() == '/')
        base.remove_suffix(1);
    auto parsed = net::Url::parse(base);
    if (!parsed) return failf(Errc::Config, 0, "service.base_url: %s", parsed.error().message());
    if (!base_.assign(base)) return fail(Errc::Config, "service.base_url: longer than 511 bytes");
    settings_.baseUrl = base_.view();
    response_.reset(new (std::nothrow) std::byte[settings.responseBytes]);
    if (!response_ || !arena_.init(settings.arenaBytes))
        return fail(Errc::NoMemory, "no memory for the API response buffers");
    SNAPSTAGE_TRY(api_.init(parsed->https() ? apiTls : nullptr, http));
    apiTls_ = parsed->https() ? apiTls : nullptr;
    otherTls_ = otherTls;
    return other_.init(otherTls, http);
}

net::HandshakeCounts ApiClient::tlsHandshakes() const noexcept {
    net::HandshakeCounts sum;
    for (const net::TlsContext* c : {apiTls_, otherTls_ == apiTls_ ? nullptr : otherTls_}) {
        if (!c) continue;
        sum.full += c->handshakes().full;
        sum.resumed += c->handshakes().resumed;
    }
    return sum;
}

bool ApiClient::onApiOrigin(std::string_view url) const noexcept {
    auto a = net::Url::parse(url);
    auto b = net::Url::parse(base_.view());
    return a && b && a->sameOrigin(*b);
}

void ApiClient::close() noexcept {
    api_.close();
    other_.close();
}

Result<net::Response> ApiClient::sendApi(std::string_view method, std::string_view path,
                                         net::BodySource* body, net::BodySink& sink, bool follow,
                                         net::HttpObserver* observer) noexcept {
    if (!url_.format("%s%.*s", base_.c_str(), static_cast<int>(path.size()), path.data()))
        return fail(Errc::Overflow, "request URL too long");
    const net::Header headers[] = {{"x-api-key", settings_.apiKey}, {"Accept", "application/json"}};
    net::Request req;
    req.method = method;
    req.url = url_.view();
    req.headers = headers;
    req.body = body;
    req.timeoutMs = settings_.callTimeoutMs;
    req.followRedirects = follow;
    req.observer = observer;
    ++requests_;
    if (body) SNAPSTAGE_TRY(body->rewind());
    auto r = api_.send(req, sink);
    if (r) {
        // "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate)
        char date[40] = {};
        std::string_view d = r->header("Date");
        if (!d.empty() && d.size() < sizeof date) {
            std::memcpy(date, d.data(), d.size());
            tm t{};
            if (::strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &t)) serverDate_ = timegm(&t);
        }
    }
    return r;
}

Result<json::Value> ApiClient::parseBody(std::string_view text, const char* what) noexcept {
    doc_ = json::Document();
    arena_.reset();
    auto doc = json::Document::parse(text, &arena_);
    if (!doc) {
        if (doc.error().code() == Errc::NoMemory)
            return failf(Errc::ApiResponse, 0, "%s: the answer is too large to parse", what);
        return failf(Errc::ApiResponse, 0, "%s: the answer is not JSON (%s)", what,
                     doc.error().message());
    }
    doc_ = std::move(*doc);
    return unwrapData(doc_.root());
}

json::Value unwrapData(json::Value root) noexcept {
    json::Value data = root.get("data");
    if (root.isObject() && (data.isObject() || data.isArray())) return data;
    return root;
}

Result<ApiReply> ApiClient::call(std::string_view method, std::string_view path,
                                 net::BodySource* body, const char* what,
                                 net::HttpObserver* observer) noexcept {
    ReplySink sink(std::span(response_.get(), settings_.responseBytes), nullptr);
    auto r = sendApi(method, path, body, sink, true, observer);
    if (!r) return fail(r.error().withContext(what));
    if (r->status < 200 || r->status > 299)
        return fail(statusError(settings_.errors, what, r->status, sink.text(), r->retryAfterS));
    if (r->status == 204 || sink.text().empty()) return ApiReply{r->status, json::Value()};
    if (sink.overflowed())
        return failf(Errc::ApiResponse, 0, "%s: the answer is larger than %zu bytes", what,
                     settings_.responseBytes);
    auto data = parseBody(sink.text(), what);
    if (!data) return fail(data.error());
    return ApiReply{r->status, *data};
}

Result<ApiClient::Fetched> ApiClient::fetch(std::string_view path, net::BodySink& media,
                                            const char* what,
                                            net::HttpObserver* observer) noexcept {
    ReplySink reply(std::span(response_.get(), settings_.responseBytes), &media, true);
    auto r = sendApi("GET", path, nullptr, reply, false, observer);
    if (!r) return fail(r.error().withContext(what));
    Fetched f;
    f.status = r->status;
    if (r->status >= 300 && r->status <= 399) {
        // Relative locations are resolved against the URL asked for.
        auto asked = net::Url::parse(url_.view());
        auto target = asked ? asked->resolve(r->header("Location")) : asked;
        if (!target || r->header("Location").empty() || !location_.assign(target->text()))
            return failf(Errc::ApiResponse, 0, "%s: a redirect without a usable Location", what);
        f.location = location_.view();
        return f;
    }
    if (r->status < 200 || r->status > 299)
        return fail(statusError(settings_.errors, what, r->status, reply.text(), r->retryAfterS));
    if (reply.toMedia()) {
        f.bytes = r->bodyBytes;
        return f;
    }
    auto data = parseBody(reply.text(), what);
    if (!data) return fail(data.error());
    f.json = true;
    f.data = *data;
    return f;
}

Result<net::Response> ApiClient::offOrigin(std::string_view method, std::string_view url,
                                           net::BodySource* body, net::BodySink& sink,
                                           const char* what, net::HttpObserver* observer) noexcept {
    if (!url_.assign(url)) return failf(Errc::Overflow, 0, "%s: URL too long", what);
    ReplySink reply(std::span(response_.get(), settings_.responseBytes), &sink);
    net::Request req;
    req.method = method;
    req.url = url_.view();
    req.body = body;
    req.timeoutMs = settings_.transferTimeoutMs;
    req.followRedirects = true;
    req.observer = observer;
    ++requests_;
    if (body) SNAPSTAGE_TRY(body->rewind());
    auto r = other_.send(req, reply);
    if (!r) return fail(r.error().withContext(what));
    if (r->status < 200 || r->status > 299)
        return fail(
            statusError(settings_.errors, what, r->status, reply.text(), r->retryAfterS, false));
    return r;
}

Status ApiClient::download(std::string_view url, net::BodySink& sink, const char* what,
                           net::HttpObserver* observer) noexcept {
    auto r = offOrigin("GET", url, nullptr, sink, what, observer);
    return r ? okStatus() : fail(r.error());
}

Status ApiClient::upload(std::string_view url, net::BodySource& body, const char* what,
                         net::HttpObserver* observer) noexcept {
    net::NullSink discard;
    auto r = offOrigin("PUT", url, &body, discard, what, observer);
    return r ? okStatus() : fail(r.error());
}

}  // namespace snapstage::cloud
