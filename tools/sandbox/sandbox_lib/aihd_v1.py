# SPDX-License-Identifier: MIT
# AI HomeDesign v1 (legacy, service based): image upload, order submit, order details, catalog.
import math
import time

from . import catalog, images, jobs
from .aihd_common import bad, image_part, owned, text_of
from .store import Obj, iso, object_id
from .web import Route, json_body, json_response, multipart_body, query_one

SUBMIT_FIELDS = ("order_id", "space_name", "selected_widgets", "remove_shadow", "service_name")


def _service(name):
    if not name:
        raise bad("service_name is required; one of: %s" % ", ".join(catalog.SERVICES),
                  "api_error_missing_field")
    spec = catalog.SERVICES.get(name)
    if spec is None:
        raise bad("unknown service_name %r; one of: %s" % (name, ", ".join(catalog.SERVICES)),
                  "api_error_invalid_service")
    return spec


def upload_image(ctx):
    image, service = None, None
    for part in multipart_body(ctx):
        if part.name == "image":
            if image is not None:
                raise bad("send exactly one file part named image")
            image = image_part(part, ctx.app.faults.get("max_upload_bytes"))
        elif part.name == "service_name" and part.filename is None:
            service = text_of(part)
        else:
            raise bad("unexpected multipart field %r (part %d); send image (file) and service_name"
                      % (part.name, part.index), "api_error_unknown_field")
    if image is None:
        raise bad("http: no such file", "api_error_no_file")
    _service(service)
    order = Obj(id=object_id(), owner=ctx.api_key, created=time.time(), service_name=service,
                space="", generated=[])
    before = Obj(id=object_id(), order_id=order.id, role="primary_angle", asset_type="image",
                 blob=image, created=order.created)
    order.before = before
    ctx.app.store.add("assets", before.id, before)
    ctx.app.store.add("v1_orders", order.id, order)
    ctx.ids(order_id=order.id, image_id=before.id)
    return json_response({"order_id": order.id, "image_id": before.id})


def _check_space(spec, space_name):
    if spec["spaces"]:
        names = ["space-%s" % s for s in spec["spaces"]]
        if not space_name:
            raise bad("space_name is required for this service; one of: %s" % ", ".join(names),
                      "api_error_missing_field")
        if space_name not in names:
            raise bad("space_name %r is not a space of this service; one of: %s"
                      % (space_name, ", ".join(names)), "api_error_invalid_space")
    elif space_name not in (None, ""):
        raise bad("this service takes no space_name", "api_error_invalid_space")


def _check_selected(spec, selected):
    if selected is None:
        selected = []
    if not isinstance(selected, list):
        raise bad("selected_widgets must be a list of {\"id\", \"item_id\"} objects")
    widgets = {w["id"]: w for w in spec["widgets"]}
    chosen = {}
    for i, sel in enumerate(selected):
        if not isinstance(sel, dict) or set(sel) != {"id", "item_id"}:
            raise bad("selected_widgets[%d] must be {\"id\": widget id, \"item_id\": item id}" % i)
        w = widgets.get(sel["id"])
        if w is None:
            raise bad("selected_widgets[%d].id %r is not a widget of this service (see GET "
                      "/v1/catalog/items/filter)" % (i, sel["id"]), "api_error_invalid_widget")
        if sel["item_id"] not in [it["id"] for it in w["items"]]:
            raise bad("selected_widgets[%d].item_id %r is not an item of widget %r"
                      % (i, sel["item_id"], w["title"]), "api_error_invalid_item")
        if w["type"] == "single" and w["id"] in chosen:
            raise bad("widget %r takes one item" % w["title"], "api_error_invalid_item")
        chosen.setdefault(w["id"], []).append(sel["item_id"])
    for w in spec["widgets"]:
        if not w["is_optional"] and w["id"] not in chosen:
            raise bad("widget %r (id %s) is required for this service" % (w["title"], w["id"]),
                      "api_error_missing_widget")
    return chosen


def _get_order(ctx, ident):
    order = owned(ctx, "v1_orders", "order", ident)
    ctx.ids(order_id=order.id)
    return order


def submit_order(ctx):
    body = json_body(ctx, "aihomedesign")
    extra = sorted(set(body) - set(SUBMIT_FIELDS))
    if extra:
        raise bad("unknown field(s) %s; POST /v1/order takes %s"
                  % (extra, ", ".join(SUBMIT_FIELDS)))
    if not isinstance(body.get("order_id"), str):
        raise bad("order_id is required: the id from POST /v1/order/image",
                  "api_error_missing_field")
    order = _get_order(ctx, body["order_id"])
    if body.get("service_name") not in (None, order.service_name):
        raise bad("service_name %r differs from the upload's %r" % (body["service_name"],
                                                                   order.service_name))
    spec = catalog.SERVICES[order.service_name]
    _check_space(spec, body.get("space_name"))
    _check_selected(spec, body.get("selected_widgets"))
    shadow = body.get("remove_shadow")
    if shadow is not None and (not isinstance(shadow, bool) or
                               order.service_name != "service-day-to-dusk"):
        raise bad("remove_shadow is a boolean accepted by service-day-to-dusk only")
    gen = Obj(id=object_id(), sequence=len(order.generated) + 1, created=time.time(),
              shadow_removal=bool(shadow),
              job=jobs.start(ctx.app, order.before.blob, spec["style"]))
    order.space = body.get("space_name") or ""
    order.generated.append(gen)
    ctx.app.store.save("v1_orders", order.id)
    ctx.ids(image_id=gen.id)
    eta = int(math.ceil(ctx.app.faults.get("process_seconds")))
    return json_response({"order_id": order.id, "image_id": gen.id, "eta": eta})


def _generated_view(ctx, order, gen):
    state = gen.job.state()
    status = {"done": "regular_finished", "failed": "failed"}.get(state, "processing")
    src = ""
    if state == "done":
        src = "%s/cdn/results/%s.jpg" % (ctx.cdn_url, gen.job.result.id)
    return {"id": gen.id, "using_free_plan": False, "sequence": gen.sequence, "src": src,
            "segmented_image_id": "", "prompt": "", "sky_style": "",
            "shadow_removal": gen.shadow_removal, "status": status, "order_id": order.id,
            "space": order.space, "comment": gen.job.error or "",
            "updated_at": iso(gen.job.updated_ts(), micro=True),
            "created_at": iso(gen.created, micro=True)}


def get_order(ctx):
    order = _get_order(ctx, ctx.params["id"])
    spec = catalog.SERVICES[order.service_name]
    gens = [_generated_view(ctx, order, g) for g in order.generated]
    busy = any(g["status"] == "processing" for g in gens)
    b = order.before
    service = {"ID": catalog.stable_id(order.service_name), "name": order.service_name,
               "title": spec["title"], "steps": "1", "credit": 1, "price": 0,
               "need_segment": False, "description": "", "result_count": 1,
               "generate_tool_name": "", "service_type": "real-estate-hub", "prompt": "",
               "ai_service_segment_type": "", "need_object_validation": False,
               "required_space": bool(spec["spaces"]),
               "required_widgets": [w["id"] for w in spec["widgets"] if not w["is_optional"]]}
    return json_response({
        "id": order.id, "user_id": catalog.stable_id(ctx.api_key), "email": "sandbox@example.com",
        "before_image_id": b.id,
        "before_image_src": "%s/cdn/assets/%s.%s" % (ctx.cdn_url, b.id, images.EXT[b.blob.kind]),
        "space": order.space, "status": "processing" if busy else "idle", "service": service,
        "service_name": order.service_name, "object": "", "sample_image_used": False,
        "generated_images": gens, "created_at": iso(order.created, micro=True)})


def _bool_query(ctx, name):
    value = query_one(ctx, name)
    if value in (None, ""):
        return None
    if value not in ("true", "false"):
        raise bad("query parameter %s must be true or false, got %r" % (name, value))
    return value == "true"


def catalog_spaces(ctx):
    name = query_one(ctx, "service_name")
    active = _bool_query(ctx, "active")
    services = [_service(name)] if name else list(catalog.SERVICES.values())
    seen, data = set(), []
    for spec in services:
        for space in spec["spaces"]:
            if space not in seen:
                seen.add(space)
                data.append(catalog.v1_space(space))
    if active is False:
        data = []
    return json_response({"data": data})


def catalog_items(ctx):
    spec = _service(query_one(ctx, "service_name"))
    space = query_one(ctx, "space_name")
    if spec["spaces"] and not space:
        raise bad("space_name is required for this service, e.g. space-%s" % spec["spaces"][0],
                  "api_error_missing_field")
    _check_space(spec, space)
    return json_response({"data": spec["widgets"]})


ROUTES = [
    Route("POST", r"/v1/order/image", upload_image, "aihomedesign", limit="upload", creates=True,
          upload=True),
    Route("POST", r"/v1/order", submit_order, "aihomedesign"),
    Route("GET", r"/v1/order/(?P<id>[^/]+)", get_order, "aihomedesign"),
    Route("GET", r"/v1/catalog/spaces", catalog_spaces, "aihomedesign"),
    Route("GET", r"/v1/catalog/items/filter", catalog_items, "aihomedesign"),
]
