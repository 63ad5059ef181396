// SPDX-License-Identifier: MIT
// libFuzzer target: URLs and redirect Locations as a server could send them: Url::parse on the
// input, then Url::resolve of the input against a fixed base; every result must parse again to
// itself (normalisation is stable) and stay within its fixed buffer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "firmware/net/url.h"

using namespace snapstage::net;

namespace {

void checkStable(const Url& u) {
    auto again = Url::parse(u.text());
    if (!again.ok() || again->text() != u.text() || again->host() != u.host() ||
        again->port() != u.port() || again->target() != u.target())
        __builtin_trap();
    if (u.target().empty() || u.target()[0] != '/' || u.host().empty()) __builtin_trap();
    char host[300];
    if (u.hostHeader(host, sizeof host) == 0 && u.host().size() < 250) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto u = Url::parse(text); u.ok()) checkStable(*u);
    static const auto base = Url::parse("https://api.example.com:8443/v3/orders/7?x=1");
    if (auto r = base->resolve(text); r.ok()) checkStable(*r);
    return 0;
}
