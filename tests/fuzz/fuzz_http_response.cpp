// SPDX-License-Identifier: MIT
// libFuzzer target: an HTTP/1.1 response as a server could send it, through the same steps the
// client takes: find the head's end, parse status line and headers, decide the framing, decode
// the body (Content-Length, chunked with extensions and trailers, or until close) fed in pieces
// whose sizes the input chooses.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "firmware/net/http_parser.h"

using namespace snapstage::net;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    // The first byte picks the read size (1..256) and the request method.
    size_t piece = (data[0] & 0x7f) + 1;
    std::string_view method = (data[0] & 0x80) ? "HEAD" : "GET";
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    // Head: scanned incrementally as a client reading `piece` bytes at a time would.
    size_t end = 0;
    for (size_t have = 0; end == 0 && have < text.size();) {
        size_t next = have + piece < text.size() ? have + piece : text.size();
        end = findHeadEnd(text.substr(0, next), have);
        have = next;
    }
    if (end == 0) return 0;
    Header slots[32];
    ResponseHead head;
    head.slots = slots;
    if (!parseResponseHead(text.substr(0, end), head).ok()) return 0;
    for (const Header& h : head.headers())
        if (h.name.empty()) __builtin_trap();
    (void)parseRetryAfter(head.get("Retry-After"), 1700000000);
    auto framing = bodyFraming(head, method);
    if (!framing.ok()) return 0;

    BodyDecoder decoder;
    decoder.reset(*framing);
    auto body = std::span(reinterpret_cast<const std::byte*>(text.data()) + end, text.size() - end);
    uint64_t total = 0;
    while (!body.empty() && !decoder.done()) {
        auto in = body.first(piece < body.size() ? piece : body.size());
        auto step = decoder.step(in);
        if (!step.ok()) return 0;
        // Invariants: progress is made, data lies inside the input, lengths are honoured.
        if (step->consumed == 0 && !decoder.done()) __builtin_trap();
        if (step->consumed > in.size() || step->data.size() > step->consumed) __builtin_trap();
        if (!step->data.empty() && (step->data.data() < in.data() ||
                                    step->data.data() + step->data.size() > in.data() + in.size()))
            __builtin_trap();
        total += step->data.size();
        body = body.subspan(step->consumed);
    }
    if (framing->kind == BodyKind::Length && decoder.done() && total != framing->length)
        __builtin_trap();
    return 0;
}
