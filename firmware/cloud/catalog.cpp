// SPDX-License-Identifier: MIT
// The built-in catalog tables and the check of a job's tool and parameters against them.
#include "firmware/cloud/catalog.h"

#include <cctype>
#include <cstdio>
#include <cstring>

namespace snapstage::cloud {
namespace {

constexpr const char* kRooms[] = {"bedroom",     "living-room", "kitchen", "bathroom",
                                  "dining-room", "home-office", "outdoor", "nursery"};
constexpr const char* kStyles[] = {"prime",   "modern",     "farmhouse",   "scandinavian",
                                   "hampton", "industrial", "traditional", "contemporary"};
constexpr const char* kColors[] = {"earthy-neutrals", "warm-tones", "cool-tones", "monochrome",
                                   "pastel"};
constexpr const char* kAreas[] = {"indoor", "outdoor"};
constexpr const char* kEnhance[] = {"add-fire-to-fireplace", "add-screen-to-tv"};
constexpr const char* kFactor[] = {"factor-darker", "factor-lighter"};
constexpr const char* kWallRooms[] = {"bedroom", "living-room", "kitchen", "bathroom"};
constexpr const char* kCeilRooms[] = {"bedroom", "living-room", "kitchen"};
constexpr const char* kWetRooms[] = {"kitchen", "bathroom"};
constexpr const char* kWall[] = {"brick-wall", "white-paint", "wallpaper", "concrete"};
constexpr const char* kFloor[] = {"white-marble", "hardwood", "tile", "carpet"};
constexpr const char* kCeiling[] = {"wooden-ceiling", "white-paint", "coffered"};
constexpr const char* kSplash[] = {"grey-marble", "subway-tile", "mosaic", "white-marble"};
constexpr const char* kSky[] = {"dusk-with-cloud", "clear-dusk", "golden-hour"};
constexpr const char* kDuskOpts[] = {"shadow-removal", "lawn-touch-up"};
constexpr const char* kVariants[] = {"dusk-with-cloud-01", "clear-blue-01", "sunset-01"};
constexpr const char* kFlip[] = {"flip-sky"};

constexpr const char* kOneSlot[] = {"input-image"};
constexpr const char* kMaskSlots[] = {"input-image", "input-mask"};
constexpr const char* kTwoSlots[] = {"input-image-before", "input-image-after"};

constexpr Widget kSpaceStyle[] = {{"space", true, false, kRooms}, {"style", true, false, kStyles}};
constexpr Widget kDesign[] = {{"space", true, false, kRooms},
                              {"style", true, false, kStyles},
                              {"color", false, false, kColors}};
constexpr Widget kEnhancement[] = {{"area", true, false, kAreas},
                                   {"enhancement-options", false, true, kEnhance}};
constexpr Widget kDarkness[] = {{"darkness-factor", true, false, kFactor}};
// The vendor's own client sends no material (no slugs are published) and a space only when it
// knows the room: neither is required.
constexpr Widget kWallW[] = {{"space", false, false, kWallRooms},
                             {"material", false, false, kWall}};
constexpr Widget kFloorW[] = {{"space", false, false, kRooms}, {"material", false, false, kFloor}};
constexpr Widget kCeilW[] = {{"space", false, false, kCeilRooms},
                             {"material", false, false, kCeiling}};
constexpr Widget kSplashW[] = {{"space", false, false, kWetRooms},
                               {"material", false, false, kSplash}};
constexpr Widget kDusk[] = {{"sky-style", false, false, kSky},
                            {"day-to-dusk-options", false, true, kDuskOpts}};
constexpr Widget kSkyW[] = {{"variants", false, false, kVariants},
                            {"style", false, false, kStyles},
                            {"sky-change-options", false, true, kFlip}};

constexpr Tool kTools[] = {
    {"tool-virtual-staging", "Virtual staging", kOneSlot, kSpaceStyle, true},
    {"tool-virtual-restaging", "Virtual restaging", kOneSlot, kSpaceStyle, true},
    {"tool-interior-design", "Interior design", kOneSlot, kDesign, true},
    {"tool-image-enhancement", "Image enhancement", kOneSlot, kEnhancement, true},
    {"tool-item-removal", "Item removal", kOneSlot, {}, true},
    {"tool-item-removal-mask", "Item removal with a mask", kMaskSlots, {}, true},
    {"tool-darkness", "Darkness", kTwoSlots, kDarkness, true},
    {"tool-wall-change", "Wall change", kOneSlot, kWallW, true},
    {"tool-floor-change", "Floor change", kOneSlot, kFloorW, true},
    {"tool-ceiling-change", "Ceiling change", kOneSlot, kCeilW, true},
    {"tool-backsplash-change", "Backsplash change", kOneSlot, kSplashW, true},
    {"tool-under-construction", "Under construction", kOneSlot, kSpaceStyle, true},
    {"tool-day-to-dusk", "Day to dusk", kOneSlot, kDusk, true},
    {"tool-sky-change", "Sky change", kOneSlot, kSkyW, false},
    {"tool-furniture-set-restyle", "Furniture set restyle", kOneSlot, kSpaceStyle, false},
};

constexpr const char* kBool[] = {"true", "false"};
constexpr const char* kEnhanceType[] = {"property", "property_usa", "warm", "neutral", "authentic"};
constexpr const char* kCloud[] = {"CLEAR", "LOW_CLOUD", "HIGH_CLOUD"};
constexpr const char* kLevels[] = {"NONE", "LOW", "MEDIUM", "HIGH"};
constexpr Setting kSettings[] = {
    {"enhance", "bool", kBool},
    {"enhance_type", "enum", kEnhanceType},
    {"sky_replacement", "bool", kBool},
    {"cloud_type", "enum", kCloud},
    {"vertical_correction", "bool", kBool},
    {"lens_correction", "bool", kBool},
    {"window_pull", "bool", kBool},
    {"privacy", "bool", kBool},
    {"upscale", "bool", kBool},
    {"brightness_boost", "enum", kLevels},
    {"contrast_boost", "enum", kLevels},
    {"ai_version", "text", {}},
};

// "a, b, c" of `names` into `out`.
void listInto(char* out, size_t cap, std::span<const char* const> names) {
    out[0] = '\0';
    for (const char* n : names) {
        size_t len = std::strlen(out);
        std::snprintf(out + len, cap - len, "%s%s", len ? ", " : "", n);
    }
}

bool matches(std::string_view given, const char* value, std::string_view prefix,
             std::string_view suffix) {
    if (given == value) return true;
    // the full slug: <prefix><value>-<suffix>
    size_t vlen = std::strlen(value);
    return given.size() == prefix.size() + vlen + 1 + suffix.size() &&
           given.substr(0, prefix.size()) == prefix && given.substr(prefix.size(), vlen) == value &&
           given[prefix.size() + vlen] == '-' && given.substr(prefix.size() + vlen + 1) == suffix;
}

Status addParam(JobRequest& r, std::string_view key, std::string_view value) {
    if (r.paramCount >= kMaxParams) return fail(Errc::Usage, "too many --param values (8 at most)");
    Param& p = r.params[r.paramCount++];
    if (!p.key.assign(key) || !p.value.assign(value))
        return fail(Errc::Usage, "a --param is too long");
    return okStatus();
}

Status resolveV3(std::string_view toolName, std::span<const ParamText> params,
                 std::span<const std::string_view> live, JobRequest& r) {
    char list[1024];
    const Tool* tool = findV3Tool(toolName);
    bool liveHas = live.empty();
    for (std::string_view s : live)
        liveHas = liveHas || s == toolName;
    if (!tool || !tool->available || !liveHas) {
        const char* names[std::size(kTools)];
        size_t n = 0;
        for (const Tool& t : kTools)
            if (t.available) names[n++] = t.slug;
        listInto(list, sizeof list, std::span(names, n));
        return failf(Errc::Usage, 0, "%s tool \"%.*s\"; the tools are: %s",
                     tool ? "the service does not offer the" : "unknown",
                     static_cast<int>(toolName.size()), toolName.data(), list);
    }
    r.tool.assign(tool->slug);
    bool seen[8] = {};
    for (const ParamText& p : params) {
        const Widget* w = nullptr;
        size_t wi = 0;
        for (; wi < tool->widgets.size(); ++wi)
            if (matches(p.key, tool->widgets[wi].purpose, "widget-", tool->slug)) {
                w = &tool->widgets[wi];
                break;
            }
        if (!w) {
            const char* names[8];
            for (size_t i = 0; i < tool->widgets.size(); ++i)
                names[i] = tool->widgets[i].purpose;
            listInto(list, sizeof list, std::span(names, tool->widgets.size()));
            return failf(Errc::Usage, 0, "%s has no setting \"%.*s\"; its settings are: %s",
                         tool->slug, static_cast<int>(p.key.size()), p.key.data(),
                         list[0] ? list : "(none)");
        }
        char widget[160];
        std::snprintf(widget, sizeof widget, "widget-%s-%s", w->purpose, tool->slug);
        const char* item = nullptr;
        for (const char* v : w->items)
            if (matches(p.value, v, "item-", widget)) item = v;
        if (!item) {
            listInto(list, sizeof list, w->items);
            return failf(Errc::Usage, 0, "%s: \"%.*s\" is not a %s; choose one of: %s", tool->slug,
                         static_cast<int>(p.value.size()), p.value.data(), w->purpose, list);
        }
        if (seen[wi] && !w->multi)
            return failf(Errc::Usage, 0, "%s takes one %s only", tool->slug, w->purpose);
        seen[wi] = true;
        char slug[256];
        std::snprintf(slug, sizeof slug, "item-%s-%s", item, widget);
        SNAPSTAGE_TRY(addParam(r, widget, slug));
    }
    for (size_t i = 0; i < tool->widgets.size(); ++i)
        if (tool->widgets[i].required && !seen[i]) {
            listInto(list, sizeof list, tool->widgets[i].items);
            return failf(Errc::Usage, 0, "%s needs a %s: --param %s=VALUE, one of: %s", tool->slug,
                         tool->widgets[i].purpose, tool->widgets[i].purpose, list);
        }
    return okStatus();
}

Status resolveAutoenhance(std::span<const ParamText> params, JobRequest& r) {
    char list[512];
    for (const ParamText& p : params) {
        const Setting* s = nullptr;
        for (const Setting& c : kSettings)
            if (p.key == c.name) s = &c;
        if (!s) {
            const char* names[std::size(kSettings)];
            for (size_t i = 0; i < std::size(kSettings); ++i)
                names[i] = kSettings[i].name;
            listInto(list, sizeof list, names);
            return failf(Errc::Usage, 0,
                         "autoenhance has no setting \"%.*s\"; the settings are: %s",
                         static_cast<int>(p.key.size()), p.key.data(), list);
        }
        bool ok = s->values.empty() && !p.value.empty();
        for (const char* v : s->values)
            ok = ok || p.value == v;
        if (!ok) {
            listInto(list, sizeof list, s->values);
            return failf(Errc::Usage, 0, "autoenhance: %s=\"%.*s\": choose one of: %s", s->name,
                         static_cast<int>(p.value.size()), p.value.data(), list);
        }
        SNAPSTAGE_TRY(addParam(r, p.key, p.value));
    }
    return okStatus();
}

bool sameText(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// Appends "title (id)" of each member of `list` to `out`.
void listV1(char* out, size_t cap, json::Value list) {
    out[0] = '\0';
    for (json::Value v : list) {
        size_t len = std::strlen(out);
        std::string_view t = v.get("title").asString(), id = v.get("id").asString();
        std::snprintf(out + len, cap - len, "%s%.*s (%.*s)", len ? ", " : "",
                      static_cast<int>(t.size()), t.data(), static_cast<int>(id.size()), id.data());
    }
}

json::Value findV1(json::Value list, std::string_view key) {
    for (json::Value v : list)
        if (v.get("id").asString() == key || sameText(v.get("title").asString(), key)) return v;
    return json::Value();
}

}  // namespace

Status checkV1Widgets(json::Value widgets, JobRequest& r) noexcept {
    char list[1024];
    if (!widgets.isArray())
        return fail(Errc::ApiResponse, "read the widgets: the answer is not a list");
    for (size_t i = 0; i < r.paramCount; ++i) {
        Param& p = r.params[i];
        if (p.key == "space_name" || p.key == "remove_shadow") continue;
        json::Value w = findV1(widgets, p.key.view());
        if (!w.valid()) {
            listV1(list, sizeof list, widgets);
            return failf(Errc::Usage, 0, "%s has no setting \"%s\"; its settings are: %s",
                         r.tool.c_str(), p.key.c_str(), list[0] ? list : "(none)");
        }
        json::Value item = findV1(w.get("items"), p.value.view());
        if (!item.valid()) {
            listV1(list, sizeof list, w.get("items"));
            return failf(Errc::Usage, 0, "%s: \"%s\" is not a %.*s; choose one of: %s",
                         r.tool.c_str(), p.value.c_str(),
                         static_cast<int>(w.get("title").asString().size()),
                         w.get("title").asString().data(), list);
        }
        p.key.assign(w.get("id").asString());
        p.value.assign(item.get("id").asString());
    }
    for (json::Value w : widgets) {
        if (w.get("is_optional").asBool(true)) continue;
        bool given = false;
        for (size_t i = 0; i < r.paramCount; ++i)
            given = given || r.params[i].key == w.get("id").asString();
        if (!given) {
            std::string_view title = w.get("title").asString();
            listV1(list, sizeof list, w.get("items"));
            return failf(Errc::Usage, 0, "%s needs a %.*s: --param \"%.*s=VALUE\", one of: %s",
                         r.tool.c_str(), static_cast<int>(title.size()), title.data(),
                         static_cast<int>(title.size()), title.data(), list);
        }
    }
    return okStatus();
}

std::span<const Tool> v3Tools() noexcept {
    return kTools;
}

const Tool* findV3Tool(std::string_view slug) noexcept {
    for (const Tool& t : kTools)
        if (slug == t.slug) return &t;
    return nullptr;
}

std::span<const Setting> autoenhanceSettings() noexcept {
    return kSettings;
}

Status resolveJob(Vendor vendor, std::string_view tool, std::span<const ParamText> params,
                  std::span<const std::string_view> liveTools, JobRequest& request) noexcept {
    request.paramCount = 0;
    switch (vendor) {
        case Vendor::AiHomeDesignV3:
            return resolveV3(tool, params, liveTools, request);
        case Vendor::Autoenhance:
            request.tool.assign("enhance");
            return resolveAutoenhance(params, request);
        case Vendor::AiHomeDesignV1:
            // v1 names its services and widgets by the ids the live catalog lists; they are
            // checked against it by the caller (catalog cache), and passed through here.
            if (tool.empty() || !request.tool.assign(tool))
                return fail(Errc::Usage, "the v1 API needs --tool SERVICE_NAME");
            for (const ParamText& p : params)
                SNAPSTAGE_TRY(addParam(request, p.key, p.value));
            return okStatus();
    }
    return fail(Errc::Internal, "unknown vendor");
}

Status v3SlotsFor(std::string_view toolName, V3Slots& out) noexcept {
    const Tool* tool = findV3Tool(toolName);
    if (!tool)
        return failf(Errc::Usage, 0, "unknown tool \"%.*s\"", static_cast<int>(toolName.size()),
                     toolName.data());
    out.primary.clear();
    out.secondary.clear();
    out.mask.clear();
    for (const char* slot : tool->slots) {
        std::string_view s = slot;
        auto& dst = s == "input-mask"          ? out.mask
                    : s == "input-image-after" ? out.secondary
                                               : out.primary;
        dst.format("%s-%s", tool->slug, slot);
    }
    return okStatus();
}

}  // namespace snapstage::cloud
