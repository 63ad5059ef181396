// SPDX-License-Identifier: MIT
// URL parsing, normalisation and redirect resolution.
#include "firmware/net/url.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

namespace snapstage::net {
namespace {

bool isHex(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hexValue(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
}

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) noexcept {
    if (s.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i)
        if (lower(s[i]) != prefix[i]) return false;
    return true;
}

bool mustEscape(unsigned char c) noexcept {
    return c <= 0x20 || c >= 0x7f || std::strchr("\"<>\\^`{|}", c) != nullptr;
}

bool hostChar(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

// Appends to a fixed buffer; remembers overflow instead of failing each call.
struct Out {
    char* buf;
    size_t cap;
    size_t len = 0;
    bool overflow = false;
    void put(char c) noexcept {
        if (len < cap)
            buf[len++] = c;
        else
            overflow = true;
    }
    void put(std::string_view s) noexcept {
        for (char c : s)
            put(c);
    }
};

void appendTarget(Out& out, std::string_view t) noexcept {
    static constexpr char kHex[] = "0123456789ABCDEF";
    if (t.empty() || t[0] == '?') out.put('/');
    for (size_t i = 0; i < t.size(); ++i) {
        auto c = static_cast<unsigned char>(t[i]);
        bool validEscape = c == '%' && i + 2 < t.size() && isHex(t[i + 1]) && isHex(t[i + 2]);
        if (c == '%' && !validEscape) {
            out.put("%25");
        } else if (mustEscape(c)) {
            out.put('%');
            out.put(kHex[c >> 4]);
            out.put(kHex[c & 15]);
        } else {
            out.put(static_cast<char>(c));
        }
    }
}

Result<uint16_t> parsePort(std::string_view p, std::string_view url) noexcept {
    if (p.empty() || p.size() > 5)
        return failf(Errc::InvalidArgument, 0, "bad port in URL %.*s", static_cast<int>(url.size()),
                     url.data());
    unsigned v = 0;
    for (char c : p) {
        if (c < '0' || c > '9')
            return failf(Errc::InvalidArgument, 0, "bad port in URL %.*s",
                         static_cast<int>(url.size()), url.data());
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v == 0 || v > 65535)
        return failf(Errc::InvalidArgument, 0, "port out of range in URL %.*s",
                     static_cast<int>(url.size()), url.data());
    return static_cast<uint16_t>(v);
}

struct Authority {
    std::string_view host;
    std::string_view port;
    bool ipv6 = false;
};

// "host", "host:port", "[v6]" or "[v6]:port" (userinfo already refused).
Result<Authority> splitAuthority(std::string_view auth, std::string_view text) noexcept {
    Authority a{auth, {}, false};
    if (auth.empty() || auth[0] != '[') {
        size_t colon = auth.rfind(':');
        if (colon != std::string_view::npos) {
            a.host = auth.substr(0, colon);
            a.port = auth.substr(colon + 1);
        }
        for (char c : a.host)
            if (!hostChar(lower(c)))
                return failf(Errc::InvalidArgument, 0, "bad character in host of URL %.*s",
                             static_cast<int>(text.size()), text.data());
        return a;
    }
    size_t close = auth.find(']');
    if (close == std::string_view::npos)
        return failf(Errc::InvalidArgument, 0, "unclosed '[' in URL %.*s",
                     static_cast<int>(text.size()), text.data());
    a.host = auth.substr(1, close - 1);
    a.ipv6 = true;
    std::string_view after = auth.substr(close + 1);
    if (!after.empty() && after[0] != ':')
        return failf(Errc::InvalidArgument, 0, "unexpected text after ']' in URL %.*s",
                     static_cast<int>(text.size()), text.data());
    if (!after.empty()) a.port = after.substr(1);
    char tmp[64];
    unsigned char addr[16];
    if (a.host.size() >= sizeof tmp) return fail(Errc::InvalidArgument, "bad IPv6 address");
    std::memcpy(tmp, a.host.data(), a.host.size());
    tmp[a.host.size()] = '\0';
    if (::inet_pton(AF_INET6, tmp, addr) != 1)
        return failf(Errc::InvalidArgument, 0, "bad IPv6 address [%s] in URL", tmp);
    return a;
}

// Removes "." and ".." segments from the path part of `path` (before any '?'), in place.
size_t removeDotSegments(char* path, size_t len) noexcept {
    size_t queryAt = len;
    for (size_t i = 0; i < len; ++i)
        if (path[i] == '?') {
            queryAt = i;
            break;
        }
    size_t w = 0;
    size_t i = 0;
    while (i < queryAt) {
        size_t end = i + 1;
        while (end < queryAt && path[end] != '/')
            ++end;
        std::string_view seg(path + i + 1, end - i - 1);  // path[i] == '/'
        if (seg == ".") {
            if (end == queryAt) path[w++] = '/';
        } else if (seg == "..") {
            while (w > 0 && path[--w] != '/') {
            }
            if (end == queryAt) path[w++] = '/';
        } else {
            std::memmove(path + w, path + i, end - i);
            w += end - i;
        }
        i = end;
    }
    if (w == 0) path[w++] = '/';
    std::memmove(path + w, path + queryAt, len - queryAt);
    return w + (len - queryAt);
}

}  // namespace

Result<Url> Url::parse(std::string_view text) noexcept {
    std::string_view s = text;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    Url url;
    if (startsWithNoCase(s, "https://")) {
        url.scheme_ = Scheme::Https;
        s.remove_prefix(8);
    } else if (startsWithNoCase(s, "http://")) {
        url.scheme_ = Scheme::Http;
        s.remove_prefix(7);
    } else {
        return failf(Errc::InvalidArgument, 0, "URL must start with https:// or http://: %.*s",
                     static_cast<int>(text.size()), text.data());
    }
    size_t authEnd = s.find_first_of("/?#");
    std::string_view auth = s.substr(0, authEnd);
    std::string_view rest = authEnd == std::string_view::npos ? "" : s.substr(authEnd);
    rest = rest.substr(0, rest.find('#'));
    if (auth.find('@') != std::string_view::npos)
        return fail(Errc::InvalidArgument,
                    "URLs with user:password@ are not supported: send credentials in a header");

    auto authority = splitAuthority(auth, text);
    if (!authority) return fail(authority.error());
    std::string_view host = authority->host;
    std::string_view port = authority->port;
    url.ipv6_ = authority->ipv6;
    if (host.empty())
        return failf(Errc::InvalidArgument, 0, "no host in URL %.*s", static_cast<int>(text.size()),
                     text.data());
    url.port_ = url.https() ? 443 : 80;
    if (!port.empty()) {  // "host:" with an empty port means the default (RFC 3986 3.2.3)
        auto p = parsePort(port, text);
        if (!p) return fail(p.error());
        url.port_ = *p;
    }

    Out out{url.buf_, kCapacity};
    out.put(url.https() ? "https://" : "http://");
    if (url.ipv6_) out.put('[');
    url.hostOff_ = static_cast<uint16_t>(out.len);
    for (char c : host)
        out.put(lower(c));
    url.hostLen_ = static_cast<uint16_t>(host.size());
    if (url.ipv6_) out.put(']');
    if (!url.defaultPort()) {
        char num[8];
        std::snprintf(num, sizeof num, ":%u", static_cast<unsigned>(url.port_));
        out.put(num);
    }
    url.targetOff_ = static_cast<uint16_t>(out.len);
    appendTarget(out, rest);
    if (out.overflow) return fail(Errc::Overflow, "URL too long (over 2047 bytes)");
    url.targetLen_ = static_cast<uint16_t>(out.len - url.targetOff_);
    url.textLen_ = static_cast<uint16_t>(out.len);
    return url;
}

Result<Url> Url::resolve(std::string_view location) const noexcept {
    std::string_view loc = location;
    while (!loc.empty() && (loc.front() == ' ' || loc.front() == '\t'))
        loc.remove_prefix(1);
    if (startsWithNoCase(loc, "https://") || startsWithNoCase(loc, "http://")) return parse(loc);
    char tmp[kCapacity];
    Out out{tmp, sizeof tmp};
    std::string_view origin = view(0, targetOff_);
    std::string_view target = this->target();
    std::string_view basePath = target.substr(0, target.find('?'));
    if (loc.substr(0, 2) == "//") {
        out.put(https() ? "https:" : "http:");
        out.put(loc);
    } else {
        out.put(origin);
        size_t pathStart = out.len;
        if (loc.empty()) {
            out.put(target);
        } else if (loc[0] == '/') {
            out.put(loc);
        } else if (loc[0] == '?') {
            out.put(basePath);
            out.put(loc);
        } else {
            out.put(basePath.substr(0, basePath.rfind('/') + 1));
            out.put(loc);
        }
        if (!out.overflow) {
            size_t end = out.len;
            size_t hash = std::string_view(tmp + pathStart, end - pathStart).find('#');
            if (hash != std::string_view::npos) end = pathStart + hash;
            out.len = pathStart + removeDotSegments(tmp + pathStart, end - pathStart);
        }
    }
    if (out.overflow) return fail(Errc::Overflow, "redirect location too long");
    return parse(std::string_view(tmp, out.len));
}

bool Url::sameOrigin(const Url& o) const noexcept {
    return scheme_ == o.scheme_ && port_ == o.port_ && host() == o.host();
}

size_t Url::hostHeader(char* out, size_t capacity) const noexcept {
    // The origin text is "scheme://" followed by exactly the Host header value.
    size_t start = https() ? 8 : 7;
    size_t len = targetOff_ - start;
    if (len + 1 > capacity) return 0;
    std::memcpy(out, buf_ + start, len);
    out[len] = '\0';
    return len;
}

Result<size_t> percentDecode(std::string_view in, char* out, size_t capacity) noexcept {
    size_t n = 0;
    for (size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size() || !isHex(in[i + 1]) || !isHex(in[i + 2]))
                return fail(Errc::InvalidArgument, "malformed %-escape");
            c = static_cast<char>(hexValue(in[i + 1]) * 16 + hexValue(in[i + 2]));
            i += 2;
        }
        if (n >= capacity) return fail(Errc::Overflow, "decoded text too long");
        out[n++] = c;
    }
    return n;
}

}  // namespace snapstage::net
