# SPDX-License-Identifier: MIT
# AI HomeDesign v3: projects, orders (multipart upload), appended assets and the public tool list.
import time

from . import aihd_process, catalog, images
from .aihd_common import (asset_urls, bad, image_part, ok, order_view, owned,
                          resize_query, text_of)
from .store import Obj, iso, object_id
from .web import Route, json_body, json_response, multipart_body, query_one

ROLES = ("primary_angle", "secondary_angle", "mask")
def _project_view(ctx, p):
    store = ctx.app.store
    orders = [o for o in store.values("orders") if o.project_id == p.id]
    inputs = sum(len(o.asset_ids) for o in orders)
    results = sum(1 for o in orders for pid in o.process_ids
                  if store.get("processes", pid).job.state() == "done")
    return {"id": p.id, "address": p.address, "cover_src": "", "input_count": inputs,
            "result_count": results, "bookmarked_count": 0, "default": p.default,
            "updated_at": iso(p.created)[:10]}


def _new_project(ctx, address, default=False):
    p = Obj(id=object_id(), address=address, owner=ctx.api_key, created=time.time(),
            default=default)
    return ctx.app.store.add("projects", p.id, p)


def create_project(ctx):
    body = json_body(ctx, "aihomedesign")
    extra = sorted(set(body) - {"address"})
    if extra:
        raise bad("unknown field(s) %s; POST /v3/project takes {\"address\": string}" % extra)
    address = body.get("address")
    if not isinstance(address, str) or not address.strip():
        raise bad("address is required: a non-empty string", "api_error_missing_field")
    p = _new_project(ctx, address.strip())
    ctx.ids(project_id=p.id)
    return ok(ctx, _project_view(ctx, p), 201)


def _int_query(ctx, name, default, lo, hi):
    value = query_one(ctx, name)
    if value in (None, ""):
        return default
    if not value.isdigit() or not lo <= int(value) <= hi:
        raise bad("query parameter %s must be an integer from %d to %d, got %r"
                  % (name, lo, hi, value))
    return int(value)


def list_projects(ctx):
    page = _int_query(ctx, "page", 1, 1, 10 ** 6)
    limit = _int_query(ctx, "limit", 10, 1, 30)
    sort = query_one(ctx, "sort") or "desc"
    if sort not in ("desc", "asc", "modified"):
        raise bad("query parameter sort must be desc, asc or modified, got %r" % sort)
    search = (query_one(ctx, "s") or "").lower()
    items = [p for p in ctx.app.store.values("projects")
             if p.owner == ctx.api_key and search in p.address.lower()]
    items.sort(key=lambda p: p.created, reverse=sort != "asc")
    chunk = items[(page - 1) * limit:page * limit]
    pages = {"page": page, "limit": limit, "total": len(items),
             "total_pages": (len(items) + limit - 1) // limit}
    return ok(ctx, [_project_view(ctx, p) for p in chunk], extra={"pagination": pages})


def get_project(ctx):
    p = owned(ctx, "projects", "project", ctx.params["id"])
    ctx.ids(project_id=p.id)
    return ok(ctx, _project_view(ctx, p))


def list_project_orders(ctx):
    """A project's orders, newest first, each shaped like GET /v3/order/:id. The path is
    inferred (API.md mentions the listing without its path): see README.md."""
    p = owned(ctx, "projects", "project", ctx.params["id"])
    ctx.ids(project_id=p.id)
    page = _int_query(ctx, "page", 1, 1, 10 ** 6)
    limit = _int_query(ctx, "limit", 10, 1, 30)
    suffix = resize_query(ctx)
    mine = [(o.created, i, o) for i, o in enumerate(ctx.app.store.values("orders"))
            if o.project_id == p.id and o.owner == ctx.api_key]
    mine.sort(key=lambda t: t[:2], reverse=True)  # equal times: the later-stored one first
    chunk = [o for _, _, o in mine[(page - 1) * limit:page * limit]]
    pages = {"page": page, "limit": limit, "total": len(mine),
             "total_pages": (len(mine) + limit - 1) // limit}
    return ok(ctx, [order_view(ctx, o, suffix) for o in chunk], extra={"pagination": pages})


def _split(parts, allowed, limit):
    """(files, texts) from multipart parts; unknown fields and misplaced files are errors."""
    files, texts = [], {}
    for part in parts:
        if part.name not in allowed:
            raise bad("unknown multipart field %r (part %d); accepted fields: %s"
                      % (part.name, part.index, ", ".join(allowed)), "api_error_unknown_field")
        if part.name == "asset_file":
            files.append(image_part(part, limit))
        elif part.filename is not None:
            raise bad("field %r (part %d) must be a text field, not a file"
                      % (part.name, part.index))
        else:
            texts.setdefault(part.name, []).append(text_of(part))
    if not files:
        raise bad("no asset_file part: send each image as a file part named asset_file",
                  "api_error_missing_file")
    return files, texts


def _per_file(texts, names, count, default):
    present = [n for n in names if n in texts]
    if len(present) > 1:
        raise bad("send either %s or %s, not both" % tuple(present))
    if not present:
        return [default] * count
    values = texts[present[0]]
    if len(values) == 1 and "," in values[0]:
        values = [v.strip() for v in values[0].split(",")]
    if len(values) != count:
        raise bad("%d asset_file part(s) but %d %s value(s): send one per file, in the same order"
                  % (count, len(values), present[0]))
    return values


def _check_roles(roles, types, existing=()):
    for role in roles:
        if role not in ROLES:
            raise bad("unknown asset_role %r; use primary_angle, secondary_angle or mask" % role,
                      "api_error_invalid_asset_role")
    all_roles = list(existing) + list(roles)
    for role, most in (("primary_angle", 1), ("secondary_angle", 1), ("mask", 1)):
        if all_roles.count(role) > most:
            raise bad("an order takes at most one %s asset (got %d)"
                      % (role, all_roles.count(role)), "api_error_invalid_asset_role")
    if "primary_angle" not in all_roles:
        raise bad("an order needs exactly one primary_angle asset", "api_error_invalid_asset_role")
    for role, atype in zip(roles, types):
        if atype not in ("image", "mask"):
            raise bad("asset_type must be image or mask, got %r" % atype)
        if (role == "mask") != (atype == "mask"):
            raise bad("asset_role %s needs asset_type %s, got %r"
                      % (role, "mask" if role == "mask" else "image", atype))


def _check_mask(blob, primary_size):
    if blob.kind != "png":
        raise bad("a mask must be a PNG (blue #7878CD = remove, black = keep), got %s"
                  % images.MIME[blob.kind], "api_error_invalid_mask")
    if primary_size and tuple(blob.size) != tuple(primary_size):
        raise bad("mask is %dx%d but the primary image is %dx%d; they must match"
                  % (blob.size + primary_size), "api_error_invalid_mask")


def _add_assets(ctx, order, blobs, roles, types):
    store, out = ctx.app.store, []
    primary = [store.get("assets", a) for a in order.asset_ids]
    primary_size = next((a.blob.size for a in primary if a.role == "primary_angle"), None)
    pairs = list(zip(blobs, roles, types))
    for blob, role, atype in pairs:
        if role == "primary_angle":
            primary_size = blob.size
    for blob, role, atype in pairs:
        if role == "mask":
            _check_mask(blob, primary_size)
    for blob, role, atype in pairs:
        a = Obj(id=object_id(), order_id=order.id, role=role, asset_type=atype, blob=blob,
                created=time.time())
        store.add("assets", a.id, a)
        order.asset_ids.append(a.id)
        out.append(a)
    return out


def _asset_short(ctx, a):
    return {"id": a.id, "src": asset_urls(ctx, a, "")[0], "asset_type": a.asset_type,
            "asset_role": a.role}


def _project_for(ctx, texts):
    values = texts.get("project_id")
    if values:
        if len(values) > 1:
            raise bad("project_id sent %d times" % len(values))
        return owned(ctx, "projects", "project", values[0])
    for p in ctx.app.store.values("projects"):
        if p.owner == ctx.api_key and p.default:
            return p
    return _new_project(ctx, "Default project", default=True)


def create_order(ctx):
    limit = ctx.app.faults.get("max_upload_bytes")
    fields = ("project_id", "asset_file", "asset_role", "asset_roles", "asset_type")
    blobs, texts = _split(multipart_body(ctx), fields, limit)
    roles = _per_file(texts, ("asset_role", "asset_roles"), len(blobs), "primary_angle")
    types = _per_file(texts, ("asset_type",), len(blobs), None)
    types = [t or ("mask" if r == "mask" else "image") for t, r in zip(types, roles)]
    _check_roles(roles, types)
    project = _project_for(ctx, texts)
    order = Obj(id=object_id(), project_id=project.id, owner=ctx.api_key, created=time.time(),
                asset_ids=[], process_ids=[])
    assets = _add_assets(ctx, order, blobs, roles, types)
    ctx.app.store.add("orders", order.id, order)
    ctx.ids(order_id=order.id, project_id=project.id, asset_id=assets[0].id)
    return ok(ctx, {"order_id": order.id, "assets": [_asset_short(ctx, a) for a in assets]}, 201)


def get_order_obj(ctx, ident):
    order = owned(ctx, "orders", "order", ident)
    ctx.ids(order_id=order.id)
    return order


def append_assets(ctx):
    order = get_order_obj(ctx, ctx.params["id"])
    limit = ctx.app.faults.get("max_upload_bytes")
    blobs, texts = _split(multipart_body(ctx), ("asset_file", "asset_role", "asset_type"), limit)
    if "asset_role" not in texts:
        raise bad("asset_role is required when appending (mask or secondary_angle)",
                  "api_error_missing_field")
    roles = _per_file(texts, ("asset_role",), len(blobs), None)
    types = _per_file(texts, ("asset_type",), len(blobs), None)
    types = [t or ("mask" if r == "mask" else "image") for t, r in zip(types, roles)]
    existing = [ctx.app.store.get("assets", a).role for a in order.asset_ids]
    _check_roles(roles, types, existing)
    assets = _add_assets(ctx, order, blobs, roles, types)
    ctx.app.store.save("orders", order.id)
    ctx.ids(asset_id=assets[0].id)
    return ok(ctx, {"order_id": order.id, "assets": [_asset_short(ctx, a) for a in assets]}, 201)


def get_order(ctx):
    order = get_order_obj(ctx, ctx.params["id"])
    return ok(ctx, order_view(ctx, order, resize_query(ctx)))


def list_tools(ctx):
    return json_response({"data": catalog.tool_list()})


_ID = r"(?P<id>[^/]+)"
ROUTES = [
    Route("POST", r"/v3/project", create_project, "aihomedesign"),
    Route("GET", r"/v3/project", list_projects, "aihomedesign"),
    Route("GET", r"/v3/project/" + _ID, get_project, "aihomedesign"),
    Route("GET", r"/v3/project/%s/orders" % _ID, list_project_orders, "aihomedesign"),
    Route("POST", r"/v3/order", create_order, "aihomedesign", limit="order", creates=True,
          upload=True),
    Route("POST", r"/v3/order/%s/append" % _ID, append_assets, "aihomedesign", limit="order",
          upload=True),
    Route("GET", r"/v3/order/" + _ID, get_order, "aihomedesign"),
    Route("POST", r"/v3/process", aihd_process.create, "aihomedesign"),
    Route("GET", r"/v3/process/" + _ID, aihd_process.get, "aihomedesign"),
    Route("GET", r"/api/tools", list_tools, "aihomedesign", auth="none"),
]
