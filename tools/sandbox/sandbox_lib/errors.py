# SPDX-License-Identifier: MIT
# Vendor-shaped API errors: handlers raise ApiError, the dispatcher renders it per vendor.
import json
import secrets
from xml.sax.saxutils import escape

_AIHD_KEYS = {
    400: "api_error_bad_request",
    401: "api_error_unauthorized",
    403: "api_error_forbidden",
    404: "api_error_not_found",
    405: "api_error_method_not_allowed",
    408: "api_error_request_timeout",
    411: "api_error_length_required",
    413: "api_error_file_too_large",
    415: "api_error_unsupported_media_type",
    422: "api_error_unprocessable_entity",
    429: "api_error_rate_limit_exceeded",
    500: "api_error_internal",
    501: "api_error_not_implemented",
}

_S3_CODES = {
    400: "InvalidRequest",
    403: "AccessDenied",
    404: "NoSuchKey",
    405: "MethodNotAllowed",
    408: "RequestTimeout",
    411: "MissingContentLength",
    413: "EntityTooLarge",
    429: "SlowDown",
    500: "InternalError",
    503: "ServiceUnavailable",
}


class ApiError(Exception):
    """An HTTP error answer.

    message: the vendor-visible message ("error" for AI HomeDesign, "message" for Autoenhance,
    <Message> for the S3-like paths). key: AI HomeDesign error key. detail: Autoenhance detail.
    code: S3 error code. hint: extra explanation for developers, sent as X-Sandbox-Detail and
    logged; used where the contract pins the message text. close: close the connection after.
    """

    def __init__(self, status, message, key=None, detail=None, code=None, hint=None,
                 headers=None, xml_extra=None, close=False):
        super().__init__(message)
        self.status = status
        self.message = message
        self.key = key
        self.detail = detail
        self.code = code
        self.hint = hint
        self.headers = list(headers or [])
        self.xml_extra = xml_extra or {}
        self.close = close
        self.fault = None

    def log_text(self):
        return self.message if not self.hint else "%s (%s)" % (self.message, self.hint)


def validation_error(fields, message="Validation error"):
    """Autoenhance 422: fields maps a field (or query parameter) name to a list of messages."""
    return ApiError(422, message, detail={"location": fields})


def render(vendor, err):
    """Return (body bytes, content type) for err in the shape of vendor."""
    if vendor == "aihomedesign":
        key = err.key or _AIHD_KEYS.get(err.status, "api_error_%d" % err.status)
        return _json({"error": err.message, "key": key})
    if vendor == "autoenhance":
        detail = err.detail if err.detail is not None else (err.hint or err.message)
        return _json({"message": err.message, "detail": detail})
    if vendor == "cdn":
        return _s3_xml(err)
    return _json({"error": err.message, "detail": err.hint})


def _json(obj):
    return json.dumps(obj).encode("utf-8"), "application/json"


def _s3_xml(err):
    code = err.code or _S3_CODES.get(err.status, "InternalError")
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<Error>',
             "<Code>%s</Code>" % escape(code),
             "<Message>%s</Message>" % escape(err.message)]
    for name, value in err.xml_extra.items():
        parts.append("<%s>%s</%s>" % (name, escape(str(value)), name))
    parts.append("<RequestId>%s</RequestId>" % secrets.token_hex(8).upper())
    parts.append("<HostId>sandbox</HostId></Error>")
    return "".join(parts).encode("utf-8"), "application/xml"
