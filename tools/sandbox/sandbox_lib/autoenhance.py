# SPDX-License-Identifier: MIT
# Autoenhance v3: image registration with presigned upload URLs, status, downloads and orders.
import base64
import time

from . import ae_validate, cdn, jobs, render
from .errors import ApiError, validation_error
from .store import Obj, iso, uuid4
from .web import Response, Route, json_body, json_response, query_one

V = "autoenhance"


def not_found(what, ident):
    return ApiError(404, "%s not found" % what, detail="no %s with id %r" % (what.lower(), ident))


def image_status(img):
    if img.job is None:
        return "waiting"
    return {"pending": "processing", "processing": "processing", "done": "processed",
            "failed": "error"}[img.job.state()]


def image_out(img):
    status = image_status(img)
    s = img.settings
    return {
        "image_id": img.image_id, "order_id": img.order_id, "image_name": img.image_name,
        "image_type": img.content_type.split("/")[-1], "date_added": int(img.created * 1000),
        "downloaded": img.downloaded, "enhance": s.get("enhance", True),
        "enhance_type": s.get("enhance_type", "property"),
        "ai_version": s.get("ai_version", "latest"),
        "hdr": s.get("hdr", False), "is_threesixty": s.get("threesixty", False), "metadata": {},
        "scene": None, "sky_replacement": s.get("sky_replacement", False),
        "cloud_type": s.get("cloud_type"),
        "vertical_correction": s.get("vertical_correction", True),
        "lens_correction": s.get("lens_correction", True), "window_pull": s.get("window_pull"),
        "privacy": s.get("privacy"), "upscale": s.get("upscale", False), "rating": s.get("rating"),
        "status": status, "status_reason": img.job.error if status == "error" else None,
        "user_id": "sandbox-user", "enhanced": status == "processed", "error": status == "error",
        "parent_image_id": None, "preset_id": s.get("preset_id"),
    }


def _images_of(ctx, order):
    imgs = [ctx.app.store.get("ae_images", i) for i in order.image_ids]
    return [i for i in imgs if i is not None]


def order_out(ctx, order):
    imgs = _images_of(ctx, order)
    states = [image_status(i) for i in imgs]
    if "processing" in states:
        status = "processing"
    elif not states or "waiting" in states:
        status = "waiting"
    else:
        status = "error" if all(s == "error" for s in states) else "processed"
    updated = max([order.created] + [i.job.updated_ts() for i in imgs if i.job])
    return {"order_id": order.order_id, "name": order.name, "status": status,
            "is_processing": status == "processing", "is_merging": False, "is_deleted": False,
            "total_images": len(imgs), "created_at": iso(order.created, micro=True),
            "last_updated_at": iso(updated, micro=True), "images": [image_out(i) for i in imgs]}


def _new_order(ctx, order_id=None, name=None):
    order = Obj(order_id=order_id or uuid4(), name=name or "", owner=ctx.api_key,
                created=time.time(), image_ids=[])
    return ctx.app.store.add("ae_orders", order.order_id, order)


def _order_for(ctx, order_id):
    if not order_id:
        return _new_order(ctx)
    with ctx.app.store.lock:
        order = ctx.app.store.get("ae_orders", order_id)
        if order is None:
            return _new_order(ctx, order_id)
    if order.owner != ctx.api_key:
        raise validation_error({"order_id": ["order_id is already used by another account"]})
    return order


def create_image(ctx):
    settings = ae_validate.image_in(json_body(ctx, V), create=True)
    ctype = settings.pop("content_type", None) or "image/jpeg"
    image_id = settings.pop("image_id", None) or uuid4()
    if ctx.app.store.get("ae_images", image_id) is not None:
        raise validation_error({"image_id": ["image_id already exists; ids must be unique"]})
    order = _order_for(ctx, settings.pop("order_id", None))
    img = Obj(image_id=image_id, order_id=order.order_id, owner=ctx.api_key,
              image_name=settings.pop("image_name"), content_type=ctype, settings=settings,
              created=time.time(), blob=None, job=None, downloaded=False)
    with ctx.app.store.lock:
        ctx.app.store.add("ae_images", image_id, img)
        order.image_ids.append(image_id)
        ctx.app.store.save("ae_orders", order.order_id)
    ctx.ids(image_id=image_id, order_id=order.order_id)
    out = image_out(img)
    url = cdn.presign_upload(ctx, img)
    field = ctx.app.faults.get("upload_url_field")
    if field in ("both", "upload_url"):
        out["upload_url"] = url
    if field in ("both", "s3PutObjectUrl"):
        out["s3PutObjectUrl"] = url
    return json_response(out)


def get_image_obj(ctx, ident, owned=True):
    img = ctx.app.store.get("ae_images", ident, ctx.api_key if owned and ctx.api_key else None)
    if img is None:
        raise not_found("Image", ident)
    ctx.ids(image_id=img.image_id, order_id=img.order_id)
    return img


def get_image(ctx):
    return json_response(image_out(get_image_obj(ctx, ctx.params["id"])))


def delete_image(ctx):
    img = get_image_obj(ctx, ctx.params["id"])
    store = ctx.app.store
    with store.lock:
        store.remove("ae_images", img.image_id)
        order = store.get("ae_orders", img.order_id)
        if order and img.image_id in order.image_ids:
            order.image_ids.remove(img.image_id)
            store.save("ae_orders", order.order_id)
    return Response(204)


def start_processing(ctx, img):
    style = "warm" if img.settings.get("enhance_type") == "warm" else "enhance"
    img.job = jobs.start(ctx.app, img.blob, style, names=(img.image_name,))
    ctx.app.store.save("ae_images", img.image_id)


def reprocess(ctx):
    img = get_image_obj(ctx, ctx.params["id"])
    update = ae_validate.image_in(json_body(ctx, V), create=False) if ctx.body else {}
    if img.blob is None:
        raise ApiError(409, "Image not uploaded",
                       detail="PUT the image bytes to its upload_url first")
    img.settings.update(update)
    start_processing(ctx, img)
    return json_response(image_out(img))


def _target(size, q, preview_default):
    preview = q["preview"] if q["preview"] is not None else preview_default
    max_width = q["max_width"]
    if preview:
        half = max(1, size[0] // 2)
        long_cap = 1024 * size[0] // max(size)
        max_width = min(x for x in (half, long_cap, max_width) if x)
    return render.fit(size, max_width=max_width, scale=q["scale"]), preview


def download_enhanced(ctx):
    img = get_image_obj(ctx, ctx.params["id"])
    q = ae_validate.download_query(ctx)
    status = image_status(img)
    if status != "processed":
        reason = (img.job.error if status == "error" else
                  "poll GET /v3/images/%s until enhanced is true" % img.image_id)
        title = "Image processing failed" if status == "error" else "Image not processed"
        raise ApiError(409, title, detail="image status is %s; %s" % (status, reason))
    result = img.job.result
    target, preview = _target(result.size, q, True)
    if not preview and not img.downloaded:
        img.downloaded = True
        ctx.app.store.save("ae_images", img.image_id)
    fmt, quality = q["format"] or "jpeg", q["quality"] or 90
    if ctx.app.faults.get("redirect_enhanced"):
        url = cdn.result_url(ctx, result, target, fmt, quality)
        return Response(302, b"", None, [("Location", url)])
    return cdn.render_response(ctx, result, target, fmt, quality)


def download_original(ctx):
    img = get_image_obj(ctx, ctx.params["id"])
    q = ae_validate.download_query(ctx)
    if img.blob is None:
        raise ApiError(409, "Image not uploaded", detail="no bytes were PUT to the upload_url yet")
    if not any(q[k] is not None for k in ("preview", "format", "max_width", "scale", "quality")):
        return Response(200, img.blob.data, img.content_type)
    if img.blob.size is None:
        raise ApiError(422, "Cannot render this original",
                       detail="the uploaded bytes are not JPEG/PNG/WEBP; download it without "
                              "format, max_width, scale, quality or preview")
    target, _ = _target(img.blob.size, q, False)
    fmt = q["format"] or img.blob.kind
    return cdn.render_response(ctx, img.blob, target, fmt, q["quality"] or 90)


def create_order(ctx):
    body = json_body(ctx, V) if ctx.body else {}
    errors = {k: ["extra fields not permitted"] for k in body if k not in ("name", "order_id")}
    for k in ("name", "order_id"):
        if k in body and not isinstance(body[k], str):
            errors[k] = ["value is not a valid string"]
    if isinstance(body.get("order_id"), str) and ctx.app.store.get("ae_orders", body["order_id"]):
        errors["order_id"] = ["order_id already exists; ids must be unique"]
    if errors:
        raise validation_error(errors)
    order = _new_order(ctx, body.get("order_id"), body.get("name"))
    ctx.ids(order_id=order.order_id)
    return json_response(order_out(ctx, order))


def list_orders(ctx):
    errors = {}
    per_page, offset = query_one(ctx, "per_page") or "5", query_one(ctx, "offset") or ""
    if not per_page.isdigit() or not 1 <= int(per_page) <= 100:
        errors["per_page"] = ["%r is not an integer from 1 to 100" % per_page]
    try:
        start = int(base64.urlsafe_b64decode(offset.encode()).decode()) if offset else 0
    except (ValueError, UnicodeDecodeError):
        errors["offset"] = ["%r is not an offset token from a previous page" % offset]
    if errors:
        raise validation_error(errors)
    mine = sorted((o for o in ctx.app.store.values("ae_orders") if o.owner == ctx.api_key),
                  key=lambda o: o.created, reverse=True)
    end = start + int(per_page)
    nxt = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(mine) else None
    return json_response({"orders": [order_out(ctx, o) for o in mine[start:end]],
                          "pagination": {"next_offset": nxt, "per_page": int(per_page)}})


def get_order_obj(ctx, ident):
    order = ctx.app.store.get("ae_orders", ident, ctx.api_key)
    if order is None:
        raise not_found("Order", ident)
    ctx.ids(order_id=order.order_id)
    return order


def get_order(ctx):
    return json_response(order_out(ctx, get_order_obj(ctx, ctx.params["id"])))


def process_order(ctx):
    order = get_order_obj(ctx, ctx.params["id"])
    settings = ae_validate.image_in(json_body(ctx, V), create=False) if ctx.body else {}
    for img in _images_of(ctx, order):
        if img.blob is not None and img.job is None:
            img.settings.update(settings)
            start_processing(ctx, img)
    return json_response(order_out(ctx, order))


_ID = r"(?P<id>[^/]+)"
ROUTES = [
    Route("POST", r"/v3/images/", create_image, V, creates=True),
    Route("GET", r"/v3/images/" + _ID, get_image, V, auth="optional"),
    Route("DELETE", r"/v3/images/" + _ID, delete_image, V),
    Route("POST", r"/v3/images/%s/process" % _ID, reprocess, V),
    Route("PATCH", r"/v3/images/%s/process" % _ID, reprocess, V),
    Route("GET", r"/v3/images/%s/enhanced" % _ID, download_enhanced, V),
    Route("GET", r"/v3/images/%s/original" % _ID, download_original, V, auth="optional"),
    Route("POST", r"/v3/orders/", create_order, V),
    Route("GET", r"/v3/orders/", list_orders, V),
    Route("GET", r"/v3/orders/" + _ID, get_order, V, auth="optional"),
    Route("POST", r"/v3/orders/%s/process" % _ID, process_order, V),
    Route("POST", r"/v3/orders/%s/merge" % _ID, process_order, V),
]
