// SPDX-License-Identifier: MIT
// `snapstage fetch URL`: one HTTPS (or HTTP) request through the client's own network stack.
#include <strings.h>
#include <unistd.h>
#include <algorithm>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "firmware/app/commands.h"
#include "firmware/app/exit_codes.h"
#include "firmware/app/interrupt.h"
#include "firmware/app/runtime.h"
#include "firmware/net/http.h"
#include "firmware/net/multipart.h"
#include "firmware/util/redact.h"

namespace snapstage::app {
namespace {

constexpr const char* kUsage =
    "usage: snapstage fetch URL [-o FILE] [-X METHOD] [-H 'K: V']... [-F name=value]...\n"
    "                       [-F name=@file[;type=MIME][;filename=NAME]]... [--data-file FILE]\n"
    "                       [--max-time S] [--no-redirect] [-i] [--ca FILE]\n"
    "\n"
    "Sends one request with snapstage's own HTTP/1.1 and TLS stack (Mbed TLS, certificates always\n"
    "verified against the system CA bundle, tls.ca_file or --ca, with tls.pins when set).\n"
    "\n"
    "  -o, --output FILE  write the body to FILE; it appears only once the transfer completed\n"
    "                     (default: stdout)\n"
    "  -X, --request M    the method (default GET; POST with -F or --data-file)\n"
    "  -H, --header 'K: V'  an extra request header (repeatable)\n"
    "  -F, --form name=value | name=@file  a multipart/form-data part (repeatable); the exact\n"
    "                     Content-Length is sent, never a chunked upload\n"
    "  --data-file FILE   the raw body from FILE (Content-Type from -H, else\n"
    "                     application/octet-stream); e.g. -X PUT for presigned uploads\n"
    "  --max-time S       give up after S seconds in all (default: no overall limit; each\n"
    "                     connect waits 10 s and each read or write 30 s at most)\n"
    "  --no-redirect      return 3xx responses instead of following them\n"
    "  -i, --include      print the response status line and headers on stderr\n"
    "\n"
    "fetch does not retry. Events (--json; needs -o): fetch.connected, upload.progress,\n"
    "download.progress, fetch.done.\n"
    "Exit codes: 0 a 1xx-3xx response; 2 usage; 3 network or TLS failure, a 5xx or 429 reply;\n"
    "4 any other 4xx reply; 5 a local file error; 130 interrupted (SIGINT, SIGTERM).";

struct FetchOptions {
    std::string url, output, method, dataFile, maxTime;
    std::vector<std::string> headers, forms;
    bool noRedirect = false, include = false;
};

class FetchObserver final : public net::HttpObserver {
public:
    explicit FetchObserver(Events& events) noexcept : events_(events) {}
    void onConnected(const net::ConnectionInfo& c) noexcept override {
        events_.emit("fetch.connected", {{"ip", c.peer},
                                         {"tls", c.tls},
                                         {"tls_version", c.tlsInfo.version},
                                         {"ciphersuite", c.tlsInfo.ciphersuite},
                                         {"alpn", c.tlsInfo.alpn},
                                         {"resumed", c.tlsInfo.resumed}});
        if (c.tls)
            events_.detail("connected to %s, %s %s%s", c.peer, c.tlsInfo.version,
                           c.tlsInfo.ciphersuite, c.tlsInfo.resumed ? " (resumed)" : "");
        else
            events_.detail("connected to %s (plain HTTP)", c.peer);
    }
    void onUpload(uint64_t sent, uint64_t total) noexcept override {
        events_.progress("upload.progress", "upload", sent, total);
    }
    void onDownload(uint64_t received, int64_t total) noexcept override {
        events_.progress("download.progress", "download", received,
                         total < 0 ? 0 : static_cast<uint64_t>(total));
    }

private:
    Events& events_;
};

// Sends a 2xx body to the real sink and keeps the start of any other body for the message.
class StatusSink final : public net::BodySink {
public:
    explicit StatusSink(net::BodySink& body) noexcept : body_(body) {}
    Status begin(int status, int64_t length) noexcept override {
        ok_ = status < 300 || status == 304;
        return ok_ ? body_.begin(status, length) : okStatus();
    }
    Status write(std::span<const std::byte> data) noexcept override {
        if (ok_) return body_.write(data);
        size_t n = std::min(data.size(), sizeof errorText_ - 1 - errorBytes_);
        std::memcpy(errorText_ + errorBytes_, data.data(), n);
        errorBytes_ += n;
        return okStatus();
    }
    Status finish() noexcept override { return ok_ ? body_.finish() : okStatus(); }
    // The start of a non-2xx body on one line, for the error message.
    const char* errorText() noexcept {
        for (size_t i = 0; i < errorBytes_; ++i)
            if (errorText_[i] == '\n' || errorText_[i] == '\r') errorText_[i] = ' ';
        errorText_[errorBytes_] = '\0';
        return errorText_;
    }

private:
    net::BodySink& body_;
    bool ok_ = false;
    char errorText_[201] = {};
    size_t errorBytes_ = 0;
};

bool parseArgs(Args& args, FetchOptions& o) {
    std::string value;
    while (!args.done()) {
        if (args.option("--output", 'o', o.output) || args.option("--request", 'X', o.method) ||
            args.option("--data-file", 0, o.dataFile) || args.option("--max-time", 0, o.maxTime))
            continue;
        if (args.option("--header", 'H', value)) {
            o.headers.push_back(value);
        } else if (args.option("--form", 'F', value)) {
            o.forms.push_back(value);
        } else if (args.flag("--no-redirect")) {
            o.noRedirect = true;
        } else if (args.flag("--include", 'i')) {
            o.include = true;
        } else if (o.url.empty() && args.positional(o.url)) {
            continue;
        } else {
            args.unknown();
        }
    }
    return args.ok();
}

// "name=value", "name=@path[;type=mime][;filename=name]" into the form.
Status addFormPart(net::Multipart& form, const std::string& spec) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
        return failf(Errc::Usage, 0, "-F wants name=value or name=@file, not \"%s\"", spec.c_str());
    std::string_view name(spec.data(), eq);
    std::string_view rest(spec.data() + eq + 1, spec.size() - eq - 1);
    if (rest.empty() || rest[0] != '@') return form.addField(name, rest);
    rest.remove_prefix(1);
    std::string_view path = rest.substr(0, rest.find(';'));
    std::string_view type, filename;
    for (size_t at = rest.find(';'); at != std::string_view::npos; at = rest.find(';', at + 1)) {
        std::string_view attr = rest.substr(at + 1, rest.find(';', at + 1) - at - 1);
        if (attr.substr(0, 5) == "type=")
            type = attr.substr(5);
        else if (attr.substr(0, 9) == "filename=")
            filename = attr.substr(9);
        else
            return failf(Errc::Usage, 0, "unknown -F attribute in \"%s\"", spec.c_str());
    }
    std::string pathText(path);
    return form.addFile(name, pathText.c_str(), filename, type);
}

// Headers whose values are credentials: registered for redaction before anything is sent.
bool isSecretHeader(std::string_view name) {
    for (const char* secret : {"authorization", "proxy-authorization", "x-api-key", "cookie"})
        if (name.size() == std::strlen(secret) &&
            strncasecmp(name.data(), secret, name.size()) == 0)
            return true;
    return false;
}

Status parseHeaders(const std::vector<std::string>& lines, std::vector<net::Header>& out) {
    for (const std::string& line : lines) {
        size_t colon = line.find(':');
        if (colon == std::string::npos || colon == 0)
            return failf(Errc::Usage, 0, "-H wants 'Name: value', not \"%s\"", line.c_str());
        std::string_view name(line.data(), colon);
        std::string_view value(line.data() + colon + 1, line.size() - colon - 1);
        while (!value.empty() && value.front() == ' ')
            value.remove_prefix(1);
        // A server may echo the request back in its error body: masked wherever it is printed.
        if (isSecretHeader(name) && !redact::addHeaderValue(value))
            return failf(Errc::Usage, 0, "too many secret headers to keep out of the output");
        out.push_back({name, value});
    }
    return okStatus();
}

// Through Events, so that the server's words are redacted and made printable like any message.
void printHead(Events& events, const net::Response& r) {
    events.show("HTTP/1.1 %d %.*s", r.status, static_cast<int>(r.reason.size()), r.reason.data());
    for (const net::Header& h : r.head->headers())
        events.show("%.*s: %.*s", static_cast<int>(h.name.size()), h.name.data(),
                    static_cast<int>(h.value.size()), h.value.data());
}

// The exit for a reply that is not a success: 4 for 4xx but 429, else 3.
int statusFailure(Context& ctx, const net::Response& r, StatusSink& sink) {
    char retry[48] = "";
    if (r.retryAfterS >= 0)
        std::snprintf(retry, sizeof retry, " (Retry-After: %lld s)",
                      static_cast<long long>(r.retryAfterS));
    Errc code = r.status == 429   ? Errc::ApiRateLimited
                : r.status >= 500 ? Errc::ApiServer
                : r.status >= 400 ? Errc::ApiRejected
                                  : Errc::HttpStatus;
    const char* advice = code == Errc::ApiRejected ? "check the URL, headers and credentials"
                                                   : "fetch does not retry; try again later";
    return ctx.events.failure(Error::format(code, r.status, "the server answered %d %.*s%s: %s: %s",
                                            r.status, static_cast<int>(r.reason.size()),
                                            r.reason.data(), retry, advice, sink.errorText()));
}

// Reports a response: the head with -i, fetch.done, and the exit for its status.
int finish(Context& ctx, const FetchOptions& o, const net::Response& r, StatusSink& sink) {
    if (o.include) printHead(ctx.events, r);
    ctx.events.emit(
        "fetch.done",
        {{"status", r.status}, {"bytes", r.bodyBytes}, {"url", r.url}, {"redirects", r.redirects}});
    if (r.status >= 400) return statusFailure(ctx, r, sink);
    ctx.events.detail("%d %.*s, %llu bytes from %.*s", r.status, static_cast<int>(r.reason.size()),
                      r.reason.data(), static_cast<unsigned long long>(r.bodyBytes),
                      static_cast<int>(r.url.size()), r.url.data());
    return toInt(Exit::Done);
}

// Usage errors get the usage hint (exit 2); the rest exit by their code.
int report(Context& ctx, const Error& e) {
    return e.code() == Errc::Usage ? ctx.events.usage(e, "fetch") : ctx.events.failure(e);
}

Status checkOptions(const FetchOptions& o, bool json, bool& https, double& maxTime) {
    if (o.url.empty()) return fail(Errc::Usage, "fetch needs a URL");
    auto url = net::Url::parse(o.url);
    if (!url) return fail(Errc::Usage, url.error().message());
    https = url->https();
    if (!o.forms.empty() && !o.dataFile.empty())
        return fail(Errc::Usage, "-F and --data-file exclude each other");
    if (json && o.output.empty())
        return fail(Errc::Usage, "--json writes events on stdout: give -o FILE for the body");
    char* end = nullptr;
    maxTime = o.maxTime.empty() ? 0 : std::strtod(o.maxTime.c_str(), &end);
    if (!o.maxTime.empty() && (*end || maxTime <= 0 || maxTime > 86400))
        return fail(Errc::Usage, "--max-time wants seconds, 0 to 86400");
    return okStatus();
}

// The request body from -F parts or --data-file; null when there is none.
Result<net::BodySource*> buildBody(const FetchOptions& o, net::Multipart& form,
                                   net::FileSource& raw) {
    net::BodySource* body = nullptr;
    for (const std::string& spec : o.forms) {
        SNAPSTAGE_TRY(addFormPart(form, spec));
        body = &form;
    }
    if (!o.dataFile.empty()) {
        SNAPSTAGE_TRY(raw.open(o.dataFile.c_str(), "application/octet-stream"));
        body = &raw;
    }
    return body;
}

int runFetch(Context& ctx, Args& args) {
    FetchOptions o;
    if (!parseArgs(args, o)) return ctx.events.usage(args.error(), "fetch");
    bool https = false;
    double maxTime = 0;
    std::vector<net::Header> headers;
    if (Status st = parseHeaders(o.headers, headers); !st) return report(ctx, st.error());
    if (Status st = checkOptions(o, ctx.events.json(), https, maxTime); !st)
        return report(ctx, st.error());
    auto form = std::make_unique<net::Multipart>();
    net::FileSource rawBody;
    auto body = buildBody(o, *form, rawBody);
    if (!body) return report(ctx, body.error());

    Runtime rt(ctx);
    net::TlsContext tls;
    if (https)
        if (Status st = tls.init(rt.tlsSettings(true)); !st) return report(ctx, st.error());
    net::HttpClient client;
    if (Status st = client.init(https ? &tls : nullptr, net::HttpOptions{}); !st)
        return report(ctx, st.error());
    net::FdSink toStdout(STDOUT_FILENO);
    net::FileSink toFile;
    if (!o.output.empty())
        if (Status st = toFile.open(o.output); !st) return report(ctx, st.error());
    StatusSink sink(o.output.empty() ? static_cast<net::BodySink&>(toStdout) : toFile);
    FetchObserver observer(ctx.events);

    InterruptGuard interrupts;
    net::Request req;
    req.url = o.url;
    req.method = !o.method.empty() ? std::string_view(o.method)
                 : *body           ? std::string_view("POST")
                                   : std::string_view("GET");
    req.headers = headers;
    req.body = *body;
    req.timeoutMs = static_cast<int64_t>(maxTime * 1000);
    req.followRedirects = !o.noRedirect;
    req.observer = &observer;
    auto r = client.send(req, sink);
    client.close();
    if (!r) return report(ctx, r.error());
    return finish(ctx, o, *r, sink);
}

}  // namespace

const Command kFetchCommand{"fetch", runFetch, "one HTTPS request through the client's own stack",
                            kUsage};

}  // namespace snapstage::app
