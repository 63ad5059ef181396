# SPDX-License-Identifier: MIT
# AI HomeDesign catalogs: v3 tools (slots, widgets, items; API.md 1.5) and v1 services (API.md 1.8).
import hashlib

STYLES = ["prime", "modern", "farmhouse", "scandinavian", "hampton", "industrial", "traditional",
          "contemporary"]
ROOMS = ["bedroom", "living-room", "kitchen", "bathroom", "dining-room", "home-office", "outdoor",
         "nursery"]
COLORS = ["earthy-neutrals", "warm-tones", "cool-tones", "monochrome", "pastel"]
UNAVAILABLE = ("tool-sky-change", "tool-furniture-set-restyle")


def stable_id(text):
    """A deterministic 24-hex id, so catalog ids survive restarts."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:24]


def title(slug):
    return slug.replace("-", " ").strip().capitalize()


def _widget(tool, purpose, values, required=True, multi=False):
    slug = "widget-%s-%s" % (purpose, tool)
    return slug, {"required": required, "multi": multi,
                  "items": ["item-%s-%s" % (v, slug) for v in values]}


def _tool(slug, name, widgets=(), slots=("input-image",), style="warm", slot_kinds=None):
    return slug, {
        "name": name,
        "slots": {"%s-%s" % (slug, s): (slot_kinds or {}).get(s, "image") for s in slots},
        "widgets": dict(_widget(slug, *w) for w in widgets),
        "style": style,
        "active": slug not in UNAVAILABLE,
    }


def _space_style(extra=()):
    return [("space", ROOMS), ("style", STYLES)] + list(extra)


TOOLS = dict([
    _tool("tool-virtual-staging", "AI Virtual Staging", _space_style()),
    _tool("tool-virtual-restaging", "AI Virtual Restaging", _space_style()),
    _tool("tool-interior-design", "AI Interior Design",
          _space_style([("color", COLORS, False)])),
    _tool("tool-furniture-set-restyle", "AI Furniture Set Restyle", _space_style()),
    _tool("tool-image-enhancement", "AI Image Enhancement",
          [("area", ["indoor", "outdoor"]),
           ("enhancement-options", ["add-fire-to-fireplace", "add-screen-to-tv"], False, True)],
          style="enhance"),
    _tool("tool-item-removal", "AI Item Removal", style="cool"),
    _tool("tool-item-removal-mask", "AI Item Removal (mask)", slots=("input-image", "input-mask"),
          style="cool", slot_kinds={"input-mask": "mask"}),
    _tool("tool-darkness", "AI Darkness",
          [("darkness-factor", ["factor-darker", "factor-lighter"])],
          slots=("input-image-before", "input-image-after"), style="darker"),
    # API.md 0.3: the vendor's own code never sends a material widget (no material slugs are
    # published; the API's default applies) and sends the space widget only when it knows the
    # room, so neither is required for wall, floor and ceiling change. Backsplash: material
    # optional for the same reason; its space (kitchen or bathroom) stays required.
    _tool("tool-wall-change", "AI Wall Change",
          [("space", ["bedroom", "living-room", "kitchen", "bathroom"], False),
           ("material", ["brick-wall", "white-paint", "wallpaper", "concrete"], False)],
          style="material"),
    _tool("tool-floor-change", "AI Floor Change",
          [("space", ROOMS, False),
           ("material", ["white-marble", "hardwood", "tile", "carpet"], False)],
          style="material"),
    _tool("tool-ceiling-change", "AI Ceiling Change",
          [("space", ["bedroom", "living-room", "kitchen"], False),
           ("material", ["wooden-ceiling", "white-paint", "coffered"], False)], style="material"),
    _tool("tool-backsplash-change", "AI Backsplash Change",
          [("space", ["kitchen", "bathroom"]),
           ("material", ["grey-marble", "subway-tile", "mosaic", "white-marble"], False)],
          style="material"),
    _tool("tool-under-construction", "AI Under Construction", _space_style()),
    _tool("tool-day-to-dusk", "AI Day to Dusk",
          [("sky-style", ["dusk-with-cloud", "clear-dusk", "golden-hour"], False),
           ("day-to-dusk-options", ["shadow-removal", "lawn-touch-up"], False, True)],
          style="dusk"),
    _tool("tool-sky-change", "AI Sky Replacement",
          [("variants", ["dusk-with-cloud-01", "clear-blue-01", "sunset-01"]), ("style", STYLES),
           ("sky-change-options", ["flip-sky"], False, True)], style="dusk"),
])


def tool_list():
    """The public tool list (GET /api/tools)."""
    return [{"id": stable_id(slug), "name": t["name"], "slug": slug, "isActive": t["active"]}
            for slug, t in TOOLS.items()]


def _v1_widget(service, purpose, values, optional=False, multi=False, priority=1):
    wslug = "widget-%s-%s" % (purpose, service)
    return {"id": stable_id(wslug), "title": title(purpose), "description": "",
            "is_optional": optional, "priority": priority,
            "type": "multiple" if multi else "single",
            "items": [{"id": stable_id("item-%s-%s" % (v, wslug)), "title": title(v),
                       "prompt": v.replace("-", " "), "icon_src": "", "is_premium": False}
                      for v in values]}


SERVICES = {
    "service-ai-virtual-staging": {
        "title": "AI Virtual Staging", "spaces": ROOMS, "style": "warm",
        "widgets": [_v1_widget("service-ai-virtual-staging", "style", STYLES)]},
    "service-creative-designer": {
        "title": "AI Creative Designer", "spaces": ROOMS, "style": "warm",
        "widgets": [_v1_widget("service-creative-designer", "style", STYLES),
                    _v1_widget("service-creative-designer", "color", COLORS, True, priority=2)]},
    "service-image-enhancement": {
        "title": "AI Image Enhancement", "spaces": ["indoor", "outdoor"], "style": "enhance",
        "widgets": [_v1_widget("service-image-enhancement", "enhancement-options",
                               ["add-fire-to-fireplace", "add-screen-to-tv",
                                "remove-extra-objects"], True, True)]},
    "service-day-to-dusk": {
        "title": "AI Day to Dusk", "spaces": [], "style": "dusk",
        "widgets": [_v1_widget("service-day-to-dusk", "sky-style",
                               ["dusk-with-cloud", "dusk-without-cloud", "twilight-with-cloud",
                                "twilight-without-cloud"])]},
    "service-item-removal": {"title": "AI Item Removal", "spaces": [], "style": "cool",
                             "widgets": []},
    "service-item-removal-mask": {"title": "AI Item Removal (mask)", "spaces": [],
                                  "style": "cool", "widgets": []},
}


def v1_space(name, service=None):
    sid = stable_id("space-%s" % name)
    return {"id": sid, "name": "space-%s" % name, "title": title(name), "description": "",
            "prompt": name.replace("-", " "), "icon_src": "", "is_active": True,
            "is_premium": False}
