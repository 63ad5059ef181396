# SPDX-License-Identifier: MIT
# Request context, responses, the route table and body helpers shared by the vendor modules.
import hashlib
import json
import re

from .errors import ApiError, validation_error
from .multipart import MultipartError, parse as parse_multipart, parse_params

JSON_LIMIT = 1024 * 1024
MULTIPART_SLACK = 1024 * 1024


class Response:
    def __init__(self, status=200, body=b"", content_type=None, headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = list(headers or [])


def json_response(obj, status=200, headers=None):
    return Response(status, json.dumps(obj).encode("utf-8"), "application/json", headers)


class Route:
    """One endpoint. auth: 'key' (x-api-key required), 'optional' (checked only when sent),
    'none', 'admin' (loopback only), 'nokey' (x-api-key must not be sent).
    limit: 'json', 'upload' (one file), 'order' (up to three files) or 'put' (raw bytes)."""

    def __init__(self, method, pattern, handler, vendor, auth="key", limit="json",
                 creates=False, upload=False):
        self.method = method
        self.regex = re.compile(pattern + r"\Z")
        self.handler = handler
        self.vendor = vendor
        self.auth = auth
        self.limit = limit
        self.creates = creates
        self.upload = upload

    def max_body(self, max_upload):
        return {"json": JSON_LIMIT, "upload": max_upload + MULTIPART_SLACK,
                "order": 3 * max_upload + MULTIPART_SLACK, "put": max_upload}[self.limit]


class Router:
    def __init__(self, routes):
        self.routes = list(routes)

    def match(self, method, path):
        """(route, params) for a match; (None, allowed methods) when only the method differs.
        HEAD is served by the GET route (the body is left out)."""
        allowed = []
        want = "GET" if method == "HEAD" else method
        for r in self.routes:
            m = r.regex.match(path)
            if m:
                if r.method == want:
                    return r, m.groupdict()
                allowed.append(r.method)
        return None, sorted(set(allowed))


def vendor_of(path):
    if path.startswith("/_admin/"):
        return "admin"
    if path.startswith(("/cdn/", "/s3/")):
        return "cdn"
    if path.startswith(("/v3/images", "/v3/orders")):
        return "autoenhance"
    if path.startswith(("/v3/", "/v1/", "/api/")):
        return "aihomedesign"
    return "none"


class Ctx:
    """What a handler sees: the request, the app, and the log entry to add object ids to."""

    def __init__(self, app, handler, route, params, body, query, base_url, api_key, log):
        self.app = app
        self.route = route
        self.params = params
        self.body = body
        self.query = query
        self.headers = handler.headers
        self.method = handler.command
        self.raw_path = handler.raw_path
        self.base_url = base_url
        self.api_key = api_key
        self.log = log

    @property
    def cdn_url(self):
        """Origin of result and asset files (its own port and certificate, like a live CDN)."""
        return self.app.origins["cdn"]

    @property
    def s3_url(self):
        """Origin of presigned uploads (its own port and certificate, like S3)."""
        return self.app.origins["s3"]

    def ids(self, **ids):
        """Record vendor object ids in this request's log line."""
        for k, v in ids.items():
            if v:
                self.log[k] = v

    def file_logged(self, data, field, content_type, filename=None):
        """Record an uploaded file's size and sha256 in this request's log line ("files"), so
        that tests can count orders per distinct input image."""
        item = {"field": field, "filename": filename, "content_type": content_type,
                "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        self.log.setdefault("files", []).append(item)

    def header(self, name):
        return self.headers.get(name)


def media_type(ctx):
    value = ctx.header("Content-Type")
    return parse_params(value)[0] if value else ""


def json_body(ctx, vendor):
    """Decode a JSON object body, raising the vendor's error when it is not one."""
    ctype = media_type(ctx)
    problem = None
    if ctype != "application/json":
        problem = "Content-Type must be application/json, got %r" % (
            ctx.header("Content-Type") or "")
    else:
        try:
            obj = json.loads(ctx.body.decode("utf-8"))
        except UnicodeDecodeError:
            problem = "body is not UTF-8"
        except ValueError as e:
            problem = "body is not valid JSON: %s" % e
        else:
            if isinstance(obj, dict):
                return obj
            problem = "body must be a JSON object, got %s" % type(obj).__name__
    if vendor == "autoenhance":
        raise validation_error({"body": [problem]})
    raise ApiError(400, problem, key="api_error_invalid_json")


def multipart_body(ctx):
    """Parse the multipart body, raising an AI HomeDesign 400 that says what is wrong."""
    try:
        parts = parse_multipart(ctx.body, ctx.header("Content-Type"))
    except MultipartError as e:
        raise ApiError(400, "malformed multipart/form-data: %s" % e,
                       key="api_error_invalid_multipart")
    for part in parts:
        if part.filename is not None:
            ctx.file_logged(part.data, part.name, part.content_type, part.filename)
    return parts


def query_one(ctx, name):
    values = ctx.query.get(name)
    return values[-1] if values else None
