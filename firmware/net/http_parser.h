// SPDX-License-Identifier: MIT
// HTTP/1.1 response parsing, separate from any I/O so that it can be fuzzed: the status line and
// header block (with size limits), body framing (RFC 9112 section 6.3), and an incremental,
// zero-copy body decoder for Content-Length, chunked (extensions, trailers) and close-delimited
// bodies. Never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/util/result.h"

namespace snapstage::net {

struct Header {
    std::string_view name;
    std::string_view value;
};

// ASCII case-insensitive comparison (header names, tokens).
bool equalsNoCase(std::string_view a, std::string_view b) noexcept;

// Where the header block ends: the offset just past the blank line ("\r\n\r\n", or "\n\n" from
// lax servers) in `data`, or 0 while it is incomplete. `scanned` is how many bytes a previous
// call already looked at (so a growing buffer is scanned once).
size_t findHeadEnd(std::string_view data, size_t scanned = 0) noexcept;

// A parsed status line and header block. Views point into the text given to parseResponseHead()
// and live as long as it does; header slots are the caller's.
struct ResponseHead {
    int status = 0;
    int versionMinor = 1;  // HTTP/1.x
    std::string_view reason;
    std::span<Header> slots;  // storage given by the caller
    size_t count = 0;

    std::span<const Header> headers() const noexcept { return slots.first(count); }
    // The first header named `name` (case-insensitive); empty view when absent.
    std::string_view get(std::string_view name) const noexcept;
    bool has(std::string_view name) const noexcept;
    // True when a comma-separated header `name` lists `token` (case-insensitive).
    bool hasToken(std::string_view name, std::string_view token) const noexcept;
};

// Parses a complete head (as delimited by findHeadEnd). Errors: HttpProtocol for a malformed
// status line or header line (obs-fold is refused), HttpTooLarge for more headers than slots.
Status parseResponseHead(std::string_view head, ResponseHead& out) noexcept;

enum class BodyKind : uint8_t { None, Length, Chunked, UntilClose };

struct Framing {
    BodyKind kind = BodyKind::None;
    uint64_t length = 0;     // for Length
    bool keepAlive = false;  // the connection may carry another request afterwards
};

// How the body of `head` is delimited, for a response to a request with `method`.
// Errors: HttpProtocol for conflicting or malformed Content-Length values.
Result<Framing> bodyFraming(const ResponseHead& head, std::string_view method) noexcept;

// Decodes a body incrementally. Each step consumes some input and may yield one span of body
// bytes that points into that input (zero copy).
class BodyDecoder {
public:
    static constexpr size_t kMaxChunkLineBytes = 4096;  // size line with extensions
    static constexpr size_t kMaxTrailerBytes = 16384;   // all trailer lines together

    struct Step {
        size_t consumed = 0;
        std::span<const std::byte> data;
    };

    void reset(const Framing& framing) noexcept;
    // Errors: HttpProtocol (bad chunk size line, missing CRLF after chunk data),
    // HttpTooLarge (chunk line or trailers over their limits).
    Result<Step> step(std::span<const std::byte> in) noexcept;
    // The body is complete (for UntilClose: only the caller knows, on EOF).
    bool done() const noexcept { return state_ == State::Done; }
    // What to make of EOF before done(): only a close-delimited body ends well there.
    bool endsAtClose() const noexcept { return kind_ == BodyKind::UntilClose; }

private:
    enum class State : uint8_t {
        Data,       // Length / UntilClose, or inside a chunk
        Size,       // hex digits of a chunk size
        Extension,  // after the size, up to LF
        DataCr,     // CR after chunk data
        DataLf,     // LF after chunk data
        TrailerLineStart,
        TrailerLine,
        Done,
    };
    Result<Step> stepChunkMeta(std::span<const std::byte> in) noexcept;

    BodyKind kind_ = BodyKind::None;
    State state_ = State::Done;
    uint64_t remaining_ = 0;
    size_t lineBytes_ = 0;
    size_t trailerBytes_ = 0;
    bool sawDigit_ = false;
};

// Retry-After as seconds from `nowSeconds` (Unix time): delta-seconds or an HTTP-date
// (IMF-fixdate, RFC 850 or asctime form). -1 when absent or unreadable; 0 for a past date.
int64_t parseRetryAfter(std::string_view value, int64_t nowSeconds) noexcept;

// Parses an HTTP-date into Unix seconds; false when unreadable.
bool parseHttpDate(std::string_view text, int64_t& unixSeconds) noexcept;

}  // namespace snapstage::net
