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


def unauthorized(vendor, why):
    if vendor == "autoenhance":
        return ApiError(401, "Authentication error", detail=why, hint=why)
    return ApiError(401, "unauthorized", key="api_error_unauthorized", hint=why)


def too_large(vendor, length, limit):
    why = "request body of %d bytes is over the sandbox's limit of %d bytes" % (length, limit)
    if vendor == "autoenhance":
        return ApiError(413, "Request entity too large", detail=why, close=True)
    if vendor == "cdn":
        return ApiError(413, "Your proposed upload exceeds the maximum allowed size", hint=why,
                        xml_extra={"ProposedSize": length, "MaxSizeAllowed": limit}, close=True)
    return ApiError(413, "file too large: %s (max 50 MB per image)" % why, close=True)


def fault_error(vendor, rule):
    msg = rule.get("message")
    if vendor == "autoenhance":
        err = ApiError(rule["status"], msg or "Internal Server Error",
                       detail="injected by the sandbox switch fail_next")
    elif vendor == "cdn":
        err = ApiError(rule["status"], msg or "We encountered an internal error. Please try again.")
    else:
        err = ApiError(rule["status"], msg or "internal server error (injected by the sandbox "
                       "switch fail_next)", key="api_error_internal")
    if rule.get("retry_after") is not None:
        err.headers.append(("Retry-After", str(rule["retry_after"])))
    err.fault = "fail_next"
    return err


def rate_limited(vendor, retry_after, limit):
    n, window = limit["count"], limit["window_seconds"]
    if window % 60 == 0:
        per = "%d minute%s" % (window // 60, "" if window == 60 else "s")
    else:
        per = "%g seconds" % window
    if vendor == "autoenhance":
        err = ApiError(429, "Too many requests", detail="rate limit: %d image creations per %s; "
                       "retry after %d s" % (n, per, retry_after))
    else:
        err = ApiError(429, "rate-limit exceeded, %d generates per %s only" % (n, per),
                       key="api_error_rate_limit_exceeded")
    err.headers.append(("Retry-After", str(retry_after)))
    err.fault = "rate_limit"
    return err


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
