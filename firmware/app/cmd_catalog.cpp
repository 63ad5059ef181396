// SPDX-License-Identifier: MIT
// `snapstage catalog`: what the service offers (tools, spaces, widgets and items).
#include <cstdio>
#include <cstring>

#include "firmware/app/catalog_cache.h"
#include "firmware/app/commands.h"
#include "firmware/app/exit_codes.h"
#include "firmware/cloud/catalog.h"

namespace snapstage::app {
namespace {

constexpr const char* kUsage =
    "usage: snapstage catalog [--service aihomedesign|autoenhance] [--api v3|v1] [--refresh]\n"
    "\n"
    "Lists what the service offers, as `submit --tool/--param` take it. AI HomeDesign v3: each\n"
    "tool with its settings (widgets) and their values (items); the live tool list says which\n"
    "tools are available now (cached in the spool for a day; --refresh reads it again).\n"
    "Autoenhance: the enhancement settings. AI HomeDesign v1: the spaces, read from the service.\n"
    "\n"
    "Events (--json): catalog.tool, catalog.setting, catalog.space.\n"
    "Exit codes: 0 listed; 2 usage or config error; 3 network; 4 rejected.";

void listV3(Context& ctx, const LiveCatalog& live) {
    for (const cloud::Tool& t : cloud::v3Tools()) {
        bool available = t.available;
        if (!live.tools.empty()) {
            available = false;
            for (const auto& s : live.tools)
                available = available || s == t.slug;
        }
        ctx.events.emit("catalog.tool",
                        {{"tool", t.slug}, {"title", t.title}, {"available", available}});
        for (const cloud::Widget& w : t.widgets) {
            char items[512] = "";
            for (const char* i : w.items) {
                size_t n = std::strlen(items);
                std::snprintf(items + n, sizeof items - n, "%s%s", n ? "," : "", i);
            }
            ctx.events.emit("catalog.setting", {{"tool", t.slug},
                                                {"key", w.purpose},
                                                {"required", w.required},
                                                {"multiple", w.multi},
                                                {"values", items}});
        }
        if (ctx.events.json()) continue;
        std::printf("%s  %s%s\n", t.slug, t.title, available ? "" : "  (not available)");
        for (const cloud::Widget& w : t.widgets) {
            std::printf("    %s%s%s:", w.purpose, w.required ? " (required)" : "",
                        w.multi ? " (several)" : "");
            for (const char* i : w.items)
                std::printf(" %s", i);
            std::printf("\n");
        }
    }
    if (!ctx.events.json() && live.fetchedS)
        std::printf("\navailability read from the service %lld s ago\n",
                    static_cast<long long>(ctx.clock.wallSeconds() - live.fetchedS));
}

void listAutoenhance(Context& ctx) {
    for (const cloud::Setting& s : cloud::autoenhanceSettings()) {
        char values[256] = "";
        for (const char* v : s.values) {
            size_t n = std::strlen(values);
            std::snprintf(values + n, sizeof values - n, "%s%s", n ? "," : "", v);
        }
        ctx.events.emit("catalog.setting", {{"key", s.name}, {"kind", s.kind}, {"values", values}});
        if (!ctx.events.json()) std::printf("%-20s %-5s %s\n", s.name, s.kind, values);
    }
}

int listV1(Context& ctx, Runtime& rt) {
    auto r = rt.api().call("GET", "/v1/catalog/spaces?active=true", nullptr, "read the spaces");
    if (!r) return ctx.events.failure(r.error());
    for (json::Value s : r->data) {
        std::string_view name = s.get("name").asString(), title = s.get("title").asString();
        ctx.events.emit("catalog.space", {{"space", name}, {"title", title}});
        if (!ctx.events.json())
            std::printf("%.*s  %.*s\n", static_cast<int>(name.size()), name.data(),
                        static_cast<int>(title.size()), title.data());
    }
    return toInt(Exit::Done);
}

int runCatalog(Context& ctx, Args& args) {
    std::string vendor, api;
    bool refresh = false;
    while (!args.done()) {
        if (args.option("--service", 0, vendor) || args.option("--api", 0, api)) continue;
        if (args.flag("--refresh"))
            refresh = true;
        else
            args.unknown();
    }
    if (!args.ok()) return ctx.events.usage(args.error(), "catalog");
    Runtime rt(ctx);
    if (Status st = rt.openService({vendor, api}); !st) return ctx.events.failure(st.error());
    if (Status st = rt.openSpool(); !st) return ctx.events.failure(st.error());
    switch (rt.vendor()) {
        case cloud::Vendor::AiHomeDesignV3:
            listV3(ctx, liveCatalog(rt, refresh));
            return toInt(Exit::Done);
        case cloud::Vendor::Autoenhance:
            listAutoenhance(ctx);
            return toInt(Exit::Done);
        case cloud::Vendor::AiHomeDesignV1:
            return listV1(ctx, rt);
    }
    return toInt(Exit::Done);
}

}  // namespace

const Command kCatalogCommand{"catalog", runCatalog, "what the service offers: tools and settings",
                              kUsage};

}  // namespace snapstage::app
