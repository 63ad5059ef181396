// SPDX-License-Identifier: MIT
// URL parsing for the HTTP client: http/https, host names and IPv6 literals, ports, a request
// target with percent-encoding normalised, and resolution of redirect locations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "firmware/util/result.h"

namespace snapstage::net {

enum class Scheme : uint8_t { Http, Https };

// A parsed absolute URL held in a fixed inline buffer (copyable, never allocates).
// Userinfo ("user:pass@") is refused: credentials go in headers. The fragment is dropped.
class Url {
public:
    static constexpr size_t kCapacity = 2048;

    // Parses an absolute http(s) URL. Bytes not allowed in a request target (space, controls,
    // non-ASCII, `"<>\^`{|}`) are percent-encoded; a '%' not followed by two hex digits becomes
    // "%25". The host is lower-cased. Errors: InvalidArgument with a message naming the part
    // that is wrong; Overflow when the normalised URL exceeds kCapacity.
    static Result<Url> parse(std::string_view text) noexcept;

    // Resolves a redirect `location` (absolute, "//host/path", "/path", "path" or "?query")
    // against this URL (RFC 3986 section 5.2, without dot-segment removal in the base).
    Result<Url> resolve(std::string_view location) const noexcept;

    Scheme scheme() const noexcept { return scheme_; }
    bool https() const noexcept { return scheme_ == Scheme::Https; }
    // Host without brackets ("::1" for "[::1]"); lower case.
    std::string_view host() const noexcept { return view(hostOff_, hostLen_); }
    bool hostIsIpv6() const noexcept { return ipv6_; }
    uint16_t port() const noexcept { return port_; }
    bool defaultPort() const noexcept { return port_ == (https() ? 443 : 80); }
    // Path and query as sent on the request line; "/" when the URL has no path.
    std::string_view target() const noexcept { return view(targetOff_, targetLen_); }
    // The whole normalised URL ("https://host:port/target"); safe to log (no credentials).
    std::string_view text() const noexcept { return view(0, textLen_); }
    // Same scheme, host and port.
    bool sameOrigin(const Url& o) const noexcept;

    // Writes the Host header value (host, brackets for IPv6, ":port" when not the default) into
    // `out`; returns its length or 0 when `out` is too small.
    size_t hostHeader(char* out, size_t capacity) const noexcept;

private:
    std::string_view view(uint16_t off, uint16_t len) const noexcept { return {buf_ + off, len}; }

    char buf_[kCapacity] = {};
    uint16_t textLen_ = 0;
    uint16_t hostOff_ = 0;
    uint16_t hostLen_ = 0;
    uint16_t targetOff_ = 0;
    uint16_t targetLen_ = 0;
    uint16_t port_ = 0;
    Scheme scheme_ = Scheme::Https;
    bool ipv6_ = false;
};

// Decodes %XX escapes of `in` into `out` (capacity bytes). Returns the decoded length, or an
// InvalidArgument error for a malformed escape, Overflow when `out` is too small.
Result<size_t> percentDecode(std::string_view in, char* out, size_t capacity) noexcept;

}  // namespace snapstage::net
