// SPDX-License-Identifier: MIT
// HTTP/1.1 response head parsing, body framing and the incremental body decoder.
#include "firmware/net/http_parser.h"

#include <cstring>

namespace snapstage::net {
namespace {

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool isTokenChar(char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool isDigit(char c) noexcept {
    return c >= '0' && c <= '9';
}

// Parses all digits of `s` (non-empty, at most 18 digits) into `out`.
bool parseDecimal(std::string_view s, uint64_t& out) noexcept {
    if (s.empty() || s.size() > 18) return false;
    uint64_t v = 0;
    for (char c : s) {
        if (!isDigit(c)) return false;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    out = v;
    return true;
}

// Next line of `text` from `pos` without its line end; advances `pos` past the LF.
std::string_view nextLine(std::string_view text, size_t& pos) noexcept {
    size_t lf = text.find('\n', pos);
    size_t end = lf == std::string_view::npos ? text.size() : lf;
    std::string_view line = text.substr(pos, end - pos);
    pos = lf == std::string_view::npos ? text.size() : lf + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

Status parseStatusLine(std::string_view line, ResponseHead& out) noexcept {
    // "HTTP/1.1 200 OK"; the reason phrase may be empty or missing.
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || !isDigit(line[7]) || line[8] != ' ' ||
        !isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11]) ||
        (line.size() > 12 && line[12] != ' '))
        return fail(Errc::HttpProtocol, "the server's reply is not an HTTP/1.x status line");
    out.versionMinor = line[7] - '0';
    out.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (out.status < 100) return fail(Errc::HttpProtocol, "bad HTTP status code");
    out.reason = line.size() > 13 ? line.substr(13) : std::string_view();
    return okStatus();
}

Status parseHeaderLine(std::string_view line, ResponseHead& out) noexcept {
    if (line[0] == ' ' || line[0] == '\t')
        return fail(Errc::HttpProtocol, "folded header line in the server's reply");
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
        return fail(Errc::HttpProtocol, "malformed header line in the server's reply");
    std::string_view name = line.substr(0, colon);
    for (char c : name)
        if (!isTokenChar(c))
            return fail(Errc::HttpProtocol, "bad character in a header name of the reply");
    std::string_view value = trim(line.substr(colon + 1));
    for (char c : value)
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
            return fail(Errc::HttpProtocol, "control character in a header value of the reply");
    if (out.count >= out.slots.size())
        return fail(Errc::HttpTooLarge, "the server's reply has too many header lines");
    out.slots[out.count++] = Header{name, value};
    return okStatus();
}

// Calls `fn(item)` for each trimmed, non-empty item of a comma-separated list.
template <typename Fn>
bool anyListItem(std::string_view list, Fn fn) noexcept {
    while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view item = trim(list.substr(0, comma));
        if (!item.empty() && fn(item)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace

bool equalsNoCase(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

size_t findHeadEnd(std::string_view data, size_t scanned) noexcept {
    // Step back so that a terminator split across two calls is still found.
    size_t i = scanned > 3 ? scanned - 3 : 0;
    for (; i < data.size(); ++i) {
        if (data[i] != '\n') continue;
        if (i + 1 < data.size() && data[i + 1] == '\n') return i + 2;
        if (i + 2 < data.size() && data[i + 1] == '\r' && data[i + 2] == '\n') return i + 3;
    }
    return 0;
}

std::string_view ResponseHead::get(std::string_view name) const noexcept {
    for (const Header& h : headers())
        if (equalsNoCase(h.name, name)) return h.value;
    return {};
}

bool ResponseHead::has(std::string_view name) const noexcept {
    for (const Header& h : headers())
        if (equalsNoCase(h.name, name)) return true;
    return false;
}

bool ResponseHead::hasToken(std::string_view name, std::string_view token) const noexcept {
    for (const Header& h : headers()) {
        if (!equalsNoCase(h.name, name)) continue;
        if (anyListItem(h.value, [&](std::string_view item) { return equalsNoCase(item, token); }))
            return true;
    }
    return false;
}

Status parseResponseHead(std::string_view head, ResponseHead& out) noexcept {
    out.count = 0;
    size_t pos = 0;
    SNAPSTAGE_TRY(parseStatusLine(nextLine(head, pos), out));
    while (pos < head.size()) {
        std::string_view line = nextLine(head, pos);
        if (line.empty()) return okStatus();
        SNAPSTAGE_TRY(parseHeaderLine(line, out));
    }
    return fail(Errc::HttpProtocol, "the server's reply header is not terminated");
}

Result<Framing> bodyFraming(const ResponseHead& head, std::string_view method) noexcept {
    Framing f;
    bool close = head.hasToken("Connection", "close");
    f.keepAlive = head.versionMinor >= 1 ? !close : head.hasToken("Connection", "keep-alive");
    if (method == "HEAD" || head.status < 200 || head.status == 204 || head.status == 304) {
        f.kind = BodyKind::None;
        return f;
    }
    std::string_view lastCoding;
    bool hasTe = false;
    for (const Header& h : head.headers()) {
        if (!equalsNoCase(h.name, "Transfer-Encoding")) continue;
        hasTe = true;
        anyListItem(h.value, [&](std::string_view item) {
            lastCoding = item;
            return false;
        });
    }
    if (hasTe) {
        // Transfer-Encoding overrides Content-Length; a message with both must not be reused.
        if (head.has("Content-Length")) f.keepAlive = false;
        if (equalsNoCase(lastCoding, "chunked")) {
            f.kind = BodyKind::Chunked;
        } else {
            f.kind = BodyKind::UntilClose;
            f.keepAlive = false;
        }
        return f;
    }
    bool seen = false;
    for (const Header& h : head.headers()) {
        if (!equalsNoCase(h.name, "Content-Length")) continue;
        bool bad = false;
        anyListItem(h.value, [&](std::string_view item) {
            uint64_t v = 0;
            if (!parseDecimal(item, v) || (seen && v != f.length)) bad = true;
            f.length = v;
            seen = true;
            return bad;
        });
        if (bad || !seen) return fail(Errc::HttpProtocol, "bad Content-Length in the reply");
    }
    if (seen) {
        f.kind = BodyKind::Length;
    } else {
        f.kind = BodyKind::UntilClose;
        f.keepAlive = false;
    }
    return f;
}

void BodyDecoder::reset(const Framing& framing) noexcept {
    kind_ = framing.kind;
    remaining_ = framing.length;
    lineBytes_ = 0;
    trailerBytes_ = 0;
    sawDigit_ = false;
    switch (kind_) {
        case BodyKind::None:
            state_ = State::Done;
            break;
        case BodyKind::Length:
            state_ = remaining_ == 0 ? State::Done : State::Data;
            break;
        case BodyKind::Chunked:
            state_ = State::Size;
            break;
        case BodyKind::UntilClose:
            state_ = State::Data;
            break;
    }
}

Result<BodyDecoder::Step> BodyDecoder::step(std::span<const std::byte> in) noexcept {
    Step s;
    if (state_ == State::Done || in.empty()) return s;
    if (state_ != State::Data) return stepChunkMeta(in);
    if (kind_ == BodyKind::UntilClose) {
        s.consumed = in.size();
        s.data = in;
        return s;
    }
    size_t n = remaining_ < in.size() ? static_cast<size_t>(remaining_) : in.size();
    s.consumed = n;
    s.data = in.first(n);
    remaining_ -= n;
    if (remaining_ == 0) state_ = kind_ == BodyKind::Chunked ? State::DataCr : State::Done;
    return s;
}

Result<BodyDecoder::Step> BodyDecoder::stepChunkMeta(std::span<const std::byte> in) noexcept {
    Step s;
    for (; s.consumed < in.size() && state_ != State::Data && state_ != State::Done; ++s.consumed) {
        char c = static_cast<char>(in[s.consumed]);
        switch (state_) {
            case State::Size: {
                int v = isDigit(c)                             ? c - '0'
                        : (lower(c) >= 'a' && lower(c) <= 'f') ? lower(c) - 'a' + 10
                                                               : -1;
                if (v >= 0) {
                    if (remaining_ > (UINT64_MAX >> 8))
                        return fail(Errc::HttpProtocol, "chunk size too large in the reply");
                    remaining_ = remaining_ * 16 + static_cast<uint64_t>(v);
                    sawDigit_ = true;
                    break;
                }
                if (!sawDigit_ || (c != ';' && c != ' ' && c != '\t' && c != '\r' && c != '\n'))
                    return fail(Errc::HttpProtocol, "bad chunk size line in the reply");
                state_ = State::Extension;
                [[fallthrough]];
            }
            case State::Extension:
                if (++lineBytes_ > kMaxChunkLineBytes)
                    return fail(Errc::HttpTooLarge, "chunk extension too long in the reply");
                if (c != '\n') break;
                lineBytes_ = 0;
                sawDigit_ = false;
                state_ = remaining_ == 0 ? State::TrailerLine : State::Data;
                break;
            case State::DataCr:
                if (c == '\n')
                    state_ = State::Size;  // lax: bare LF
                else if (c == '\r')
                    state_ = State::DataLf;
                else
                    return fail(Errc::HttpProtocol, "chunk data longer than its size line says");
                break;
            case State::DataLf:
                if (c != '\n') return fail(Errc::HttpProtocol, "missing line end after a chunk");
                state_ = State::Size;
                break;
            case State::TrailerLine:
                if (++trailerBytes_ > kMaxTrailerBytes)
                    return fail(Errc::HttpTooLarge, "trailer section too long in the reply");
                if (c == '\n') {
                    if (lineBytes_ == 0) state_ = State::Done;
                    lineBytes_ = 0;
                } else if (c != '\r') {
                    ++lineBytes_;
                }
                break;
            default:
                break;
        }
    }
    return s;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int monthIndex(std::string_view t) noexcept {
    static constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                              "jul", "aug", "sep", "oct", "nov", "dec"};
    if (t.size() != 3) return -1;
    for (int i = 0; i < 12; ++i)
        if (equalsNoCase(t, kMonths[i])) return i + 1;
    return -1;
}

}  // namespace

bool parseHttpDate(std::string_view text, int64_t& unixSeconds) noexcept {
    std::string_view tok[10];
    size_t n = 0;
    for (size_t i = 0; i < text.size() && n < 10;) {
        char c = text[i];
        bool alnum = isDigit(c) || (lower(c) >= 'a' && lower(c) <= 'z');
        if (!alnum) {
            ++i;
            continue;
        }
        size_t start = i;
        while (i < text.size() &&
               (isDigit(text[i]) || (lower(text[i]) >= 'a' && lower(text[i]) <= 'z')))
            ++i;
        tok[n++] = text.substr(start, i - start);
    }
    uint64_t day, year, hh, mm, ss;
    int month;
    if (n >= 7 && (month = monthIndex(tok[2])) > 0) {  // IMF-fixdate and RFC 850
        if (!parseDecimal(tok[1], day) || !parseDecimal(tok[3], year) ||
            !parseDecimal(tok[4], hh) || !parseDecimal(tok[5], mm) || !parseDecimal(tok[6], ss))
            return false;
        if (tok[3].size() == 2) year += year >= 70 ? 1900 : 2000;
    } else if (n >= 7 && (month = monthIndex(tok[1])) > 0) {  // asctime
        if (!parseDecimal(tok[2], day) || !parseDecimal(tok[3], hh) || !parseDecimal(tok[4], mm) ||
            !parseDecimal(tok[5], ss) || !parseDecimal(tok[6], year))
            return false;
    } else {
        return false;
    }
    if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || year < 1970 || year > 9999)
        return false;
    int64_t days = daysFromCivil(static_cast<int64_t>(year), static_cast<unsigned>(month),
                                 static_cast<unsigned>(day));
    unixSeconds = days * 86400 + static_cast<int64_t>(hh * 3600 + mm * 60 + ss);
    return true;
}

int64_t parseRetryAfter(std::string_view value, int64_t nowSeconds) noexcept {
    value = trim(value);
    if (value.empty()) return -1;
    uint64_t seconds = 0;
    if (parseDecimal(value, seconds)) return static_cast<int64_t>(seconds);
    int64_t at = 0;
    if (!parseHttpDate(value, at)) return -1;
    return at > nowSeconds ? at - nowSeconds : 0;
}

}  // namespace snapstage::net
