# SPDX-License-Identifier: MIT
# CDN-like file paths and the S3-like presigned upload (PUT), each served on its own origin.
import calendar
import hashlib
import hmac
import time
from urllib.parse import parse_qs, quote, urlencode

from . import images, render
from .errors import ApiError
from .store import Blob
from .web import Response, Route, query_one

SIGNED = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
          "X-Amz-SignedHeaders", "X-Amz-Signature")
THUMB_LONG_SIDE = 320


def _signature(secret, path, content_type, amz_date, expires):
    text = "\n".join(("PUT", path, content_type, amz_date, str(expires)))
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest(), text


def presign_upload(ctx, img):
    """A presigned-style PUT URL for an Autoenhance image, valid upload_url_expires seconds."""
    path = "/s3/autoenhance/%s/%s/%s" % (quote(img.order_id, safe=""), quote(img.image_id, safe=""),
                                         quote(img.image_name, safe=""))
    expires = ctx.app.faults.get("upload_url_expires")
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    sig, _ = _signature(ctx.app.secret, path, img.content_type, amz_date, expires)
    query = urlencode([("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
                       ("X-Amz-Credential", "SANDBOX/%s/eu-west-1/s3/aws4_request" % amz_date[:8]),
                       ("X-Amz-Date", amz_date), ("X-Amz-Expires", str(expires)),
                       ("X-Amz-SignedHeaders", "content-type;host"), ("X-Amz-Signature", sig)])
    return "%s%s?%s" % (ctx.s3_url, path, query)


def _check_signature(ctx, img):
    raw_query = ctx.log.get("query", "")
    q = {k: v[-1] for k, v in parse_qs(raw_query, keep_blank_values=True).items()}
    for name in SIGNED:
        if name not in q:
            raise ApiError(403, "Query-string authentication requires the %s parameter" % name)
    sent_type = ctx.header("Content-Type") or ""
    expected, to_sign = _signature(ctx.app.secret, ctx.raw_path, sent_type, q["X-Amz-Date"],
                                   q["X-Amz-Expires"])
    if not hmac.compare_digest(expected, q["X-Amz-Signature"]):
        declared, _ = _signature(ctx.app.secret, ctx.raw_path, img.content_type, q["X-Amz-Date"],
                                 q["X-Amz-Expires"])
        hint = ("Content-Type %r differs from %r declared at POST /v3/images/"
                % (sent_type, img.content_type)) if hmac.compare_digest(
                    declared, q["X-Amz-Signature"]) else "the URL was altered after signing"
        raise ApiError(403, "The request signature we calculated does not match the signature you "
                       "provided. Check your key and signing method.", code="SignatureDoesNotMatch",
                       hint=hint, xml_extra={"StringToSign": to_sign, "SandboxHint": hint})
    try:
        signed_at = calendar.timegm(time.strptime(q["X-Amz-Date"], "%Y%m%dT%H%M%SZ"))
        expires = int(q["X-Amz-Expires"])
    except ValueError:
        raise ApiError(403, "X-Amz-Date or X-Amz-Expires is malformed")
    now = time.time()
    if now > signed_at + expires:
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        raise ApiError(403, "Request has expired", code="AccessDenied",
                       xml_extra={"X-Amz-Expires": expires,
                                  "Expires": time.strftime(fmt, time.gmtime(signed_at + expires)),
                                  "ServerTime": time.strftime(fmt, time.gmtime(now))})


def put_upload(ctx):
    from .autoenhance import start_processing
    ctx.file_logged(ctx.body, "body", ctx.header("Content-Type"))
    img = ctx.app.store.get("ae_images", ctx.params["image"])
    if img is None or img.order_id != ctx.params["order"]:
        raise ApiError(404, "The specified key does not exist.", code="NoSuchKey",
                       hint="no registered Autoenhance image for this upload path")
    ctx.ids(image_id=img.image_id, order_id=img.order_id)
    _check_signature(ctx, img)
    data = ctx.body
    if not data:
        raise ApiError(400, "the upload body is empty; PUT the image bytes", code="InvalidArgument")
    kind, declared = images.sniff(data), images.kind_of_mime(img.content_type)
    if declared and kind != declared:
        raise ApiError(400, "the body is not a %s image (magic bytes %r)"
                       % (img.content_type, data[:8]), code="InvalidArgument")
    size = images.dimensions(data, kind) if kind else None
    if kind and not size:
        raise ApiError(400, "cannot read the image size from its header", code="InvalidArgument")
    img.blob = Blob(data, kind, img.image_name, size,
                    images.jpeg_comment(data) if kind == "jpeg" else "")
    img.job = None
    if not img.settings.get("hdr"):
        if kind is None:
            img.blob.kind = "unknown"
        start_processing(ctx, img)
    ctx.app.store.save("ae_images", img.image_id)
    etag = '"%s"' % hashlib.md5(data).hexdigest()
    return Response(200, b"", None, [("ETag", etag)])


def result_url(ctx, result, target, fmt, quality):
    """URL of a rendered variant of a result on the CDN path."""
    query = {"width": target[0], "height": target[1]}
    if quality != 90:
        query["q"] = quality
    return "%s/cdn/results/%s.%s?%s" % (ctx.cdn_url, result.id, images.EXT[fmt], urlencode(query))


def render_response(ctx, src, target, fmt, quality):
    """Response with src (Result or Blob) rendered at target size in fmt, via the variant cache."""
    key = (src.id, tuple(target), fmt, quality)

    def make():
        return render.variant(src.data, src.kind, src.size, target, fmt, quality)
    try:
        data, mime = ctx.app.variants.get_or_render(key, make)
    except images.ImageError as e:
        raise ApiError(501, "cannot render this variant: %s" % e, code="NotImplemented",
                       detail=str(e), key="api_error_not_implemented")
    return Response(200, data, mime)


def _int_param(ctx, name, lo, hi):
    value = query_one(ctx, name)
    if value in (None, ""):
        return None
    if not value.isdigit() or not lo <= int(value) <= hi:
        raise ApiError(400, "query parameter %s must be an integer from %d to %d" % (name, lo, hi),
                       code="InvalidArgument")
    return int(value)


def _serve(ctx, src, ext):
    width, height = _int_param(ctx, "width", 1, 10000), _int_param(ctx, "height", 1, 10000)
    quality = _int_param(ctx, "q", 1, 100) or 90
    if ctx.params.get("thumb"):
        long_side = max(src.size)
        width = min(width or 10 ** 6, src.size[0] * THUMB_LONG_SIDE // long_side)
    fmt = {"jpg": "jpeg", "png": "png", "webp": "webp"}[ext]
    target = render.fit(src.size, width, height)
    return render_response(ctx, src, target, fmt, quality)


def get_asset(ctx):
    asset = ctx.app.store.get("assets", ctx.params["id"])
    if asset is None:
        raise ApiError(404, "The specified key does not exist.", xml_extra={"Key": ctx.raw_path})
    ctx.ids(asset_id=asset.id, order_id=asset.order_id)
    ext = ctx.params["ext"]
    if not ctx.params.get("thumb") and ext != images.EXT[asset.blob.kind]:
        raise ApiError(404, "The specified key does not exist.", xml_extra={"Key": ctx.raw_path})
    return _serve(ctx, asset.blob, ext)


def get_result(ctx):
    result = ctx.app.store.get("results", ctx.params["id"])
    if result is None:
        raise ApiError(404, "The specified key does not exist.", xml_extra={"Key": ctx.raw_path})
    return _serve(ctx, result, ctx.params["ext"])


_FILE = r"(?P<id>[0-9a-f]{24})(?P<thumb>_thumb)?\.(?P<ext>jpg|png|webp)"
CDN_ROUTES = [
    Route("GET", r"/cdn/assets/" + _FILE, get_asset, "cdn", auth="nokey"),
    Route("GET", r"/cdn/results/" + _FILE, get_result, "cdn", auth="nokey"),
]
S3_ROUTES = [
    Route("PUT", r"/s3/autoenhance/(?P<order>[^/]+)/(?P<image>[^/]+)/(?P<name>[^/]+)", put_upload,
          "cdn", auth="nokey", limit="put", upload=True),
]
