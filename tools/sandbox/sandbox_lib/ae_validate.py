# SPDX-License-Identifier: MIT
# Autoenhance request validation: ImageIn settings (API.md 2.4) and download query parameters.
import re

from .errors import validation_error

BOOLS = ("hdr", "threesixty", "enhance", "sky_replacement", "vertical_correction",
         "lens_correction", "upscale", "auto_privacy")
NULLABLE_BOOLS = ("window_pull", "privacy")
LEVELS = ("NONE", "LOW", "MEDIUM", "HIGH")
LEVEL_FIELDS = ("brightness_boost", "brightness_boost_external", "brightness_boost_internal",
                "contrast_boost", "contrast_boost_external", "contrast_boost_internal",
                "clarity_level", "denoise_level", "saturation_level")
ENUMS = {"enhance_type": ("property", "property_usa", "warm", "neutral", "authentic"),
         "cloud_type": ("CLEAR", "LOW_CLOUD", "HIGH_CLOUD", None)}
STRINGS = ("image_name", "content_type", "contentType", "order_id", "image_id", "ai_version",
           "window_pull_type", "preset_id")
INTS = {"rating": (0, 5), "number_of_brackets_per_image": (0, 9)}
OBJECTS = ("finetune_settings",)
FIXED_ON_UPDATE = ("content_type", "contentType", "order_id", "image_id", "image_name", "hdr")
MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
AI_VERSION = re.compile(r"^(dev|latest|\d+\.(x|\d+))$")
ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
KNOWN = set(BOOLS + NULLABLE_BOOLS + LEVEL_FIELDS + STRINGS + OBJECTS) | set(ENUMS) | set(INTS)


def _check_field(name, v):
    """The error message for one field, or None when the value is fine."""
    if name in BOOLS and not isinstance(v, bool):
        return "value is not a valid boolean"
    if name in NULLABLE_BOOLS and v is not None and not isinstance(v, bool):
        return "value is not a valid boolean or null"
    if name in LEVEL_FIELDS and v is not None and v not in LEVELS:
        return "value is not a valid enumeration member; permitted: %s" % ", ".join(LEVELS)
    if name in ENUMS and v not in ENUMS[name]:
        allowed = ", ".join(repr(x) for x in ENUMS[name] if x is not None)
        return "value is not a valid enumeration member; permitted: %s" % allowed
    if name in STRINGS and not (isinstance(v, str) and v):
        return "value is not a valid non-empty string"
    if name in INTS:
        lo, hi = INTS[name]
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            return "value must be an integer from %d to %d" % (lo, hi)
    if name in OBJECTS and v is not None and not isinstance(v, dict):
        return "value is not a valid object"
    return None


def _check_strings(body, errors):
    for name in ("content_type", "contentType"):
        v = body.get(name)
        if isinstance(v, str) and v and not MIME.match(v):
            errors[name] = ["%r is not a MIME type such as image/jpeg" % v]
    ct, cc = body.get("content_type"), body.get("contentType")
    if ct and cc and ct != cc:
        errors["contentType"] = ["content_type %r and contentType %r differ; send one" % (ct, cc)]
    if isinstance(body.get("ai_version"), str) and not AI_VERSION.match(body["ai_version"]):
        errors["ai_version"] = ["%r is not an AI version such as 4.x, 4.7 or latest"
                                % body["ai_version"]]
    for name in ("order_id", "image_id"):
        v = body.get(name)
        if isinstance(v, str) and v and not ID.match(v):
            errors[name] = ["ids may hold letters, digits, - and _ only (uuid4 recommended)"]


def image_in(body, create=True):
    """Validate an ImageIn (create) or ImageInUpdate body; raises the vendor's 422."""
    errors = {}
    for name, value in body.items():
        if name not in KNOWN:
            errors[name] = ["extra fields not permitted"]
            continue
        msg = _check_field(name, value)
        if msg:
            errors[name] = [msg]
        elif not create and name in FIXED_ON_UPDATE:
            errors[name] = ["cannot be changed when reprocessing"]
    if create and "image_name" not in body:
        errors["image_name"] = ["field required"]
    if create and body.get("hdr") is True and not body.get("order_id"):
        errors["order_id"] = ["required when hdr is true (brackets are grouped by order)"]
    _check_strings(body, errors)
    if errors:
        raise validation_error(errors)
    out = dict(body)
    camel = out.pop("contentType", None)
    if camel and not out.get("content_type"):
        out["content_type"] = camel
    return out


def _q(ctx, name):
    values = ctx.query.get(name)
    return values[-1] if values else None


def _parse_q(ctx, errors, name, kind, lo=None, hi=None, choices=None):
    raw = _q(ctx, name)
    if raw is None:
        return None
    try:
        if kind == "bool":
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            return raw.lower() in ("true", "1")
        if kind == "choice":
            if raw not in choices:
                raise ValueError
            return raw
        value = int(raw) if kind == "int" else float(raw)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ValueError
        return value
    except ValueError:
        expect = {"bool": "a boolean (true/false)", "int": "an integer from %s to %s" % (lo, hi),
                  "float": "a number from %s to %s" % (lo, hi),
                  "choice": "one of %s" % ", ".join(choices or ())}[kind]
        errors[name] = ["%r is not %s" % (raw, expect)]
        return None


def download_query(ctx):
    """Validated query of /enhanced and /original: preview, quality, format, max_width, ..."""
    errors = {}
    q = {"preview": _parse_q(ctx, errors, "preview", "bool"),
         "quality": _parse_q(ctx, errors, "quality", "int", 1, 90),
         "format": _parse_q(ctx, errors, "format", "choice", choices=("jpeg", "png", "webp")),
         "watermark": _parse_q(ctx, errors, "watermark", "bool"),
         "max_width": _parse_q(ctx, errors, "max_width", "int", 1, 100000),
         "scale": _parse_q(ctx, errors, "scale", "float", 0.0001, 1),
         "finetune": _parse_q(ctx, errors, "finetune", "bool"),
         "size": _parse_q(ctx, errors, "size", "choice", choices=("small", "large", "big"))}
    unknown = sorted(set(ctx.query) - set(q))
    for name in unknown:
        errors[name] = ["unknown query parameter"]
    if errors:
        raise validation_error(errors)
    return q
