// SPDX-License-Identifier: MIT
// The cached live catalog.
#include "firmware/app/catalog_cache.h"

#include <cstdio>
#include <memory>

#include "firmware/util/json.h"
#include "firmware/util/json_writer.h"

namespace snapstage::app {
namespace {

std::string cacheName(cloud::Vendor v) {
    return std::string("catalog-") + cloud::vendorName(v) + "-" + cloud::apiName(v) + ".json";
}

// The public tool list: beside the API for the sandbox, on the vendor's app host for the live
// service (API.md 1.2).
std::string toolsUrl(const std::string& base) {
    if (base == defaultBaseUrl(cloud::Vendor::AiHomeDesignV3))
        return "https://app.aihomedesign.com/api/tools";
    std::string b = base;
    while (!b.empty() && b.back() == '/')
        b.pop_back();
    return b + "/api/tools";
}

bool parse(std::string_view text, LiveCatalog& out) {
    auto doc = json::Document::parse(text);
    if (!doc || !doc->root().isObject()) return false;
    json::Value root = doc->root();
    json::Value list = root.get("data").isArray() ? root.get("data") : root.get("tools");
    if (!list.isArray()) return false;
    out.tools.clear();
    for (json::Value t : list) {
        std::string_view slug = t.isString() ? t.asString() : t.get("slug").asString();
        bool active = t.isString() || t.get("isActive").asBool(true);
        if (!slug.empty() && active) out.tools.emplace_back(slug);
    }
    int64_t at = 0;
    if (root.get("fetched_at").asInt64(at)) out.fetchedS = at;
    return true;
}

Status fetch(Runtime& rt, LiveCatalog& out) {
    auto buffer = std::make_unique<std::byte[]>(256 * 1024);
    net::BufferSink sink(std::span(buffer.get(), 256 * 1024));
    std::string url = toolsUrl(rt.baseUrl());
    // On the API's own origin (the sandbox) the kept-alive API connection serves it: no second
    // handshake. The live list is on the vendor's app host, a separate origin.
    if (rt.api().onApiOrigin(url)) {
        auto reply = rt.api().fetch("/api/tools", sink, "read the tool list");
        if (!reply) return fail(reply.error());
        if (!reply->json) return fail(Errc::ApiResponse, "read the tool list: not JSON");
        out.tools.clear();
        for (json::Value t : reply->data)
            if (t.get("isActive").asBool(true) && !t.get("slug").asString().empty())
                out.tools.emplace_back(t.get("slug").asString());
    } else {
        SNAPSTAGE_TRY(rt.api().download(url, sink, "read the tool list"));
        if (!parse(sink.text(), out))
            return failf(Errc::ApiResponse, 0, "read the tool list: %s answered no tool list",
                         url.c_str());
    }
    out.fetchedS = rt.clock().wallSeconds();
    std::string text(64 * 1024, '\0');
    JsonWriter w(std::span(text.data(), text.size()));
    w.beginObject().key("fetched_at").value(out.fetchedS).key("source").value(url);
    w.key("tools").beginArray();
    for (const auto& t : out.tools)
        w.value(t);
    w.endArray().endObject();
    if (w.overflowed()) return fail(Errc::Overflow, "tool list too long to cache");
    return rt.spool().writeAside(cacheName(rt.vendor()), w.text());
}

}  // namespace

LiveCatalog liveCatalog(Runtime& rt, bool refresh, int64_t maxAgeS) noexcept {
    LiveCatalog cat;
    if (rt.vendor() != cloud::Vendor::AiHomeDesignV3) return cat;  // no live list to read
    if (auto text = rt.spool().readAside(cacheName(rt.vendor())); text) parse(*text, cat);
    int64_t age = rt.clock().wallSeconds() - cat.fetchedS;
    if (!refresh && cat.fetchedS > 0 && age >= 0 && age < maxAgeS) return cat;
    LiveCatalog fresh;
    if (Status st = fetch(rt, fresh); !st) {
        rt.context().events.say("warning: %s; using the %s tool list", st.error().message(),
                                cat.fetchedS ? "cached" : "built-in");
        return cat;
    }
    return fresh;
}

}  // namespace snapstage::app
