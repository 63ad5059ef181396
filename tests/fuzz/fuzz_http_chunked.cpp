// SPDX-License-Identifier: MIT
// libFuzzer target: the chunked body decoder alone, fed the same bytes in two different piece
// sizes; both runs must agree on the decoded body, on success and on where it ends.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "firmware/net/http_parser.h"

using namespace snapstage::net;

namespace {

struct Run {
    bool ok = true;
    bool done = false;
    size_t consumed = 0;
    size_t bodyBytes = 0;
    uint64_t digest = 1469598103934665603ull;  // FNV-1a over the decoded body
};

Run decode(std::span<const std::byte> wire, size_t piece) {
    BodyDecoder d;
    Framing f;
    f.kind = BodyKind::Chunked;
    d.reset(f);
    Run r;
    while (r.consumed < wire.size() && !d.done()) {
        size_t n = wire.size() - r.consumed < piece ? wire.size() - r.consumed : piece;
        auto in = wire.subspan(r.consumed, n);
        while (!in.empty() && !d.done()) {
            auto s = d.step(in);
            if (!s.ok()) {
                r.ok = false;
                return r;
            }
            for (std::byte b : s->data)
                r.digest = (r.digest ^ static_cast<uint8_t>(b)) * 1099511628211ull;
            r.bodyBytes += s->data.size();
            r.consumed += s->consumed;
            in = in.subspan(s->consumed);
        }
    }
    r.done = d.done();
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    size_t piece = data[0] % 64 + 1;
    auto wire = std::span(reinterpret_cast<const std::byte*>(data + 1), size - 1);
    Run a = decode(wire, piece);
    Run b = decode(wire, wire.size() + 1);
    if (a.ok != b.ok) __builtin_trap();
    if (a.ok && (a.done != b.done || a.bodyBytes != b.bodyBytes || a.digest != b.digest ||
                 (a.done && a.consumed != b.consumed)))
        __builtin_trap();
    return 0;
}
