# SPDX-License-Identifier: MIT
# The admin API used by tests: state, fault switches and reset (loopback only, no API key).
import json

from .errors import ApiError
from .web import Route, json_response


def _body(ctx):
    if not ctx.body:
        return {}
    try:
        obj = json.loads(ctx.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ApiError(400, "body is not valid JSON: %s" % e)
    if not isinstance(obj, dict):
        raise ApiError(400, "body must be a JSON object")
    return obj


def state(ctx):
    app = ctx.app
    out = app.store.summary()
    out.update(faults=app.faults.snapshot(), requests_logged=app.reqlog.count,
               log_file=app.reqlog.path, base_url=app.base_url)
    return json_response(out)


def get_faults(ctx):
    return json_response(ctx.app.faults.snapshot())


def set_faults(ctx):
    try:
        return json_response(ctx.app.faults.update(_body(ctx)))
    except ValueError as e:
        raise ApiError(400, "invalid switch: %s" % e)


def reset(ctx):
    body = _body(ctx)
    extra = sorted(set(body) - {"clear_data"})
    if extra or not isinstance(body.get("clear_data", False), bool):
        raise ApiError(400, "POST /_admin/reset takes {\"clear_data\": bool} or no body")
    faults = ctx.app.faults.reset()
    ctx.app.limiter.clear()
    if body.get("clear_data"):
        ctx.app.store.clear()
        ctx.app.variants.clear()
    return json_response({"faults": faults, "cleared_data": bool(body.get("clear_data"))})


ROUTES = [
    Route("GET", r"/_admin/state", state, "admin", auth="admin"),
    Route("GET", r"/_admin/faults", get_faults, "admin", auth="admin"),
    Route("POST", r"/_admin/faults", set_faults, "admin", auth="admin"),
    Route("POST", r"/_admin/reset", reset, "admin", auth="admin"),
]
