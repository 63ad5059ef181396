# SPDX-License-Identifier: MIT
# AI HomeDesign v3 processes: POST /v3/process checked against the tool catalog, GET by id.

from . import catalog, jobs
from .aihd_common import OID, bad, not_found, ok, owned, process_view, resize_query
from .errors import ApiError
from .store import Obj, object_id
from .web import json_body

FIELDS = ("order_id", "tool", "asset_map", "widgets", "process_group_id")
GROUP_TOOLS = ("tool-item-removal", "tool-item-removal-mask")


def unprocessable(message, key):
    return ApiError(422, message, key=key)


def _tool(name):
    spec = catalog.TOOLS.get(name)
    if spec is None or not spec["active"]:
        hint = ("%r is listed but unavailable upstream" % name) if spec else \
            ("%r is not a tool; see GET /api/tools" % name)
        raise ApiError(500, "tool repository: tool not found", key="api_error_internal", hint=hint)
    return spec


def _check_asset_map(ctx, order, tool, spec, amap):
    if not isinstance(amap, dict) or not amap:
        raise bad("asset_map is required: an object {slot: asset_id}; slots of %s: %s"
                  % (tool, ", ".join(spec["slots"])), "api_error_missing_field")
    for slot in amap:
        if slot not in spec["slots"]:
            raise unprocessable("asset_map key %r is not a slot of %s; its slots are: %s"
                                % (slot, tool, ", ".join(spec["slots"])), "api_error_invalid_slot")
    for slot, kind in spec["slots"].items():
        if slot not in amap:
            raise unprocessable("asset_map lacks slot %r required by %s" % (slot, tool),
                                "api_error_invalid_slot")
        ident = amap[slot]
        if not isinstance(ident, str) or not OID.match(ident):
            raise bad("asset_map[%r] must be a 24-hex asset id, got %r" % (slot, ident),
                      "api_error_invalid_id")
        asset = ctx.app.store.get("assets", ident)
        if asset is None or ctx.app.store.get("orders", asset.order_id, ctx.api_key) is None:
            raise not_found("asset", ident)
        if asset.order_id != order.id:
            raise unprocessable("asset %s in slot %r belongs to order %s, not to order %s"
                                % (ident, slot, asset.order_id, order.id),
                                "api_error_invalid_asset")
        if asset.asset_type != kind:
            raise unprocessable("slot %r takes a%s %s asset; %s is a %s (role %s)"
                                % (slot, "n" if kind == "image" else "", kind, ident,
                                   asset.asset_type, asset.role), "api_error_invalid_asset")


def _check_widgets(tool, spec, widgets):
    if widgets is None:
        widgets = []
    if not isinstance(widgets, list):
        raise bad("widgets must be a list of {\"slug\", \"item_slugs\"} objects (use [] for none)")
    seen = {}
    for i, w in enumerate(widgets):
        if not isinstance(w, dict) or not isinstance(w.get("slug"), str) or \
                not isinstance(w.get("item_slugs"), list) or set(w) - {"slug", "item_slugs"}:
            raise bad("widgets[%d] must be {\"slug\": string, \"item_slugs\": [string, ...]}" % i)
        slug = w["slug"]
        wspec = spec["widgets"].get(slug)
        if wspec is None:
            known = ", ".join(spec["widgets"]) or "none (send \"widgets\": [])"
            raise unprocessable("unknown widget slug %r for %s; its widgets: %s"
                                % (slug, tool, known), "api_error_invalid_widget")
        if slug in seen:
            raise unprocessable("widget %r appears twice" % slug, "api_error_invalid_widget")
        items = w["item_slugs"]
        if not items:
            raise unprocessable("widget %r has no item_slugs" % slug, "api_error_invalid_item")
        if not wspec["multi"] and len(items) > 1:
            raise unprocessable("widget %r takes one item, got %d" % (slug, len(items)),
                                "api_error_invalid_item")
        for item in items:
            if item not in wspec["items"]:
                raise unprocessable("item slug %r is not in widget %r; its items: %s"
                                    % (item, slug, ", ".join(wspec["items"])),
                                    "api_error_invalid_item")
        seen[slug] = items
    for slug, wspec in spec["widgets"].items():
        if wspec["required"] and slug not in seen:
            raise unprocessable("widget %r is required by %s" % (slug, tool),
                                "api_error_invalid_widget")
    return seen


def _style(spec, chosen):
    for items in chosen.values():
        if any(i.startswith("item-factor-lighter-") for i in items):
            return "lighter"
    return spec["style"]


def _group(ctx, tool, body):
    group = body.get("process_group_id")
    if group is None:
        return object_id() if tool in GROUP_TOOLS else None
    if tool != "tool-item-removal-mask":
        raise bad("process_group_id is only accepted by tool-item-removal-mask")
    if not isinstance(group, str) or group not in ctx.app.store.groups:
        raise not_found("process_group", group)
    return group


def create(ctx):
    from .aihd_v3 import get_order_obj
    body = json_body(ctx, "aihomedesign")
    extra = sorted(set(body) - set(FIELDS))
    if extra:
        raise bad("unknown field(s) %s; POST /v3/process takes %s" % (extra, ", ".join(FIELDS)))
    for name in ("order_id", "tool"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise bad("%s is required: a string" % name, "api_error_missing_field")
    order = get_order_obj(ctx, body["order_id"])
    tool = body["tool"]
    spec = _tool(tool)
    amap = body.get("asset_map")
    _check_asset_map(ctx, order, tool, spec, amap)
    chosen = _check_widgets(tool, spec, body.get("widgets"))
    group = _group(ctx, tool, body)
    first = ctx.app.store.get("assets", amap[next(iter(spec["slots"]))])
    proc = Obj(id=object_id(), order_id=order.id, owner=ctx.api_key, tool=tool, asset_map=amap,
               widgets=chosen, group_id=group, seq=len(ctx.app.store.processes),
               job=jobs.start(ctx.app, first.blob, _style(spec, chosen)))
    with ctx.app.store.lock:
        ctx.app.store.add("processes", proc.id, proc)
        order.process_ids.append(proc.id)
        ctx.app.store.save("orders", order.id)
        if group:
            ctx.app.store.groups.setdefault(group, []).append(proc.id)
            ctx.app.store.save("groups", group)
    ctx.ids(process_id=proc.id, order_id=order.id)
    answer = {"process_ids": [proc.id]}
    if group:
        answer["process_group_id"] = group
    return ok(ctx, answer, 201)


def get(ctx):
    proc = owned(ctx, "processes", "process", ctx.params["id"])
    ctx.ids(process_id=proc.id, order_id=proc.order_id)
    return ok(ctx, process_view(ctx, proc, resize_query(ctx)))
