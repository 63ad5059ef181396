# SPDX-License-Identifier: MIT
# AI HomeDesign helpers: v3 envelopes, uploaded-file checks and JSON views of orders and processes.
import re
import time
from urllib.parse import urlencode

from . import images
from .errors import ApiError
from .multipart import MultipartError, parse_params
from .store import Blob, iso
from .web import json_response, query_one


OID = re.compile(r"^[0-9a-f]{24}$")


def check_id(kind, ident):
    """`ident` when it is a 24-character hex id, else a 400 in AIHD's shape."""
    if not isinstance(ident, str) or not OID.match(ident):
        raise bad("%s id %r is not a 24-character hex id" % (kind, ident), "api_error_invalid_id")
    return ident


def owned(ctx, collection, kind, ident):
    """The caller's object `ident` of `collection`: 400 for a malformed id, 404 when unknown."""
    obj = ctx.app.store.get(collection, check_id(kind, ident), ctx.api_key)
    if obj is None:
        raise not_found(kind, ident)
    return obj


def ok(ctx, obj, status=200, extra=None):
    """A v3 success answer: {"data": obj, "message": "ok"} unless the 'bare' switch is on."""
    if ctx.app.faults.get("bare"):
        return json_response(obj, status)
    body = {"data": obj, "message": "ok"}
    body.update(extra or {})
    return json_response(body, status)


def bad(message, key="api_error_bad_request"):
    return ApiError(400, message, key=key)


def not_found(what, ident):
    return ApiError(404, "%s not found" % what, key="api_error_%s_not_found" % what,
                    hint="no %s with id %r for this API key" % (what, ident))


def image_part(part, limit):
    """Check that a file part holds a real JPEG/PNG/WEBP of the declared type; return a Blob."""
    where = "file part %d (%s, filename %r)" % (part.index, part.name, part.filename)
    if part.filename is None:
        raise bad("part %d (%s) must be a file: its Content-Disposition has no filename"
                  % (part.index, part.name), "api_error_invalid_file")
    if not part.data:
        raise bad("%s is empty" % where, "api_error_invalid_file")
    if len(part.data) > limit:
        raise ApiError(413, "file too large: %s is %d bytes, over the %d-byte limit (50 MB)"
                       % (where, len(part.data), limit), key="api_error_file_too_large")
    kind = images.sniff(part.data)
    if kind is None:
        raise bad("%s is not an image: expected JPEG, PNG or WEBP magic bytes, got %r"
                  % (where, part.data[:12]), "api_error_invalid_file")
    if not part.content_type:
        raise bad("%s has no Content-Type header; send %s" % (where, images.MIME[kind]),
                  "api_error_invalid_file")
    try:
        declared = parse_params(part.content_type)[0]
    except MultipartError as e:
        raise bad("%s: bad Content-Type: %s" % (where, e), "api_error_invalid_file")
    if declared != images.MIME[kind]:
        raise bad("%s is declared %s but its bytes are %s" % (where, declared, images.MIME[kind]),
                  "api_error_invalid_file")
    size = images.dimensions(part.data, kind)
    if not size:
        raise bad("%s: cannot read the image size from its header (corrupt?)" % where,
                  "api_error_invalid_file")
    comment = images.jpeg_comment(part.data) if kind == "jpeg" else ""
    return Blob(part.data, kind, part.filename, size, comment)


def text_of(part):
    """The UTF-8 text of a text part, or a 400 that names the part."""
    try:
        return part.text().strip()
    except MultipartError as e:
        raise bad(str(e), "api_error_invalid_multipart")


def resize_query(ctx):
    """The width/height query parameters (validated), as a suffix for image URLs."""
    params = {}
    for name in ("width", "height"):
        value = query_one(ctx, name)
        if value is None or value == "":
            continue
        if not value.isdigit() or not 1 <= int(value) <= 10000:
            raise bad("query parameter %s must be an integer from 1 to 10000, got %r"
                      % (name, value))
        params[name] = int(value)
    return ("?" + urlencode(params)) if params else ""


def asset_urls(ctx, asset, suffix):
    ext = images.EXT[asset.blob.kind]
    base = "%s/cdn/assets/%s" % (ctx.cdn_url, asset.id)
    return base + "." + ext + suffix, base + "_thumb.jpg" + suffix


def asset_view(ctx, asset, suffix=""):
    src, thumb = asset_urls(ctx, asset, suffix)
    return {"id": asset.id, "asset_type": asset.asset_type, "asset_role": asset.role, "src": src,
            "thumbnail_src": thumb}


def _url_prefix(ctx, proc):
    """'' (src, thumbnail_src) or 'temp_' (temp_src, temp_thumbnail_src, as in the documented
    webhook), per the result_urls switch; 'mixed' alternates by process creation order."""
    mode = ctx.app.faults.get("result_urls")
    if mode == "mixed":
        mode = "temp" if getattr(proc, "seq", 0) % 2 else "src"
    return "temp_" if mode == "temp" else ""


def process_view(ctx, proc, suffix=""):
    now = time.time()
    state = proc.job.state(now)
    finals = []
    if state == "done":
        rid = proc.job.result.id
        base = "%s/cdn/results/%s" % (ctx.cdn_url, rid)
        prefix = _url_prefix(ctx, proc)
        finals.append({"asset_id": rid, "asset_type": "image",
                       prefix + "src": base + ".jpg" + suffix,
                       prefix + "thumbnail_src": base + "_thumb.jpg" + suffix})
    view = {"id": proc.id, "order_id": proc.order_id, "tool": proc.tool, "status": state,
            "final_assets": finals, "created_at": iso(proc.job.created),
            "updated_at": iso(proc.job.updated_ts(now))}
    if proc.group_id:
        view["process_group_id"] = proc.group_id
    if state == "failed":
        view["error"] = proc.job.error
    return view


def order_status(ctx, order):
    procs = [ctx.app.store.get("processes", p) for p in order.process_ids]
    busy = any(p.job.state() in ("pending", "processing") for p in procs if p)
    return "processing" if busy else "idle"


def order_view(ctx, order, suffix=""):
    store = ctx.app.store
    procs = [store.get("processes", p) for p in order.process_ids]
    updated = max([order.created] + [p.job.updated_ts() for p in procs if p])
    return {"id": order.id, "project_id": order.project_id,
            "entry_assets": [asset_view(ctx, store.get("assets", a), suffix)
                             for a in order.asset_ids],
            "status": order_status(ctx, order), "created_at": iso(order.created),
            "updated_at": iso(updated),
            "processes": [process_view(ctx, p, suffix) for p in procs if p]}
