# SPDX-License-Identifier: MIT
# The HTTP/1.1 request handler: framing, auth, limits, faults, dispatch to routes, and logging.
import http.server
import ipaddress
import socket
import ssl
import struct
import sys
import time
import traceback
from urllib.parse import parse_qs, urlsplit

from . import errors
from .errors import ApiError, fault_error, rate_limited, too_large, unauthorized
from .store import iso
from .web import Ctx, vendor_of

DRAIN_LIMIT = 8 * 1024 * 1024


class ClientGone(Exception):
    """The peer closed or reset the connection; nothing more can be sent."""


def is_loopback(host):
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "snapstage-sandbox"
    sys_version = ""
    timeout = 60

    # -- http.server hooks -------------------------------------------------------------------
    def parse_request(self):
        self._expect100 = False
        return super().parse_request()

    def handle_expect_100(self):
        self._expect100 = True  # answered later, after the checks that can refuse the body
        return True

    def log_request(self, code="-", size="-"):
        pass

    def log_message(self, fmt, *args):
        if not self.server.app.quiet:
            sys.stderr.write("sandbox: %s: %s\n" % (self.client_address[0], fmt % args))

    def send_error(self, code, message=None, explain=None):
        """Errors raised by http.server itself (bad request line, headers, method)."""
        entry = self._new_entry()
        entry["vendor"] = "none"
        err = ApiError(code, message or "bad request", hint=explain, close=True)
        try:
            self._send_error("none", err, entry)
        except ClientGone:
            pass
        self._log(entry)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = \
        lambda self: self._dispatch()

    # -- dispatch ------------------------------------------------------------------------------
    def _new_entry(self):
        self._t0 = time.monotonic()
        split = urlsplit(getattr(self, "path", "") or "")
        origin = self.server.origin
        entry = {"ts": iso(micro=True), "method": getattr(self, "command", None) or "",
                 "path": split.path, "query": split.query, "status": 0, "bytes_in": 0,
                 "bytes_out": 0, "origin": origin,
                 "vendor": vendor_of(split.path) if origin == "api" else "cdn",
                 "conn": getattr(self.request, "sandbox_conn", None),
                 "tls_resumed": getattr(self.request, "sandbox_resumed", None),
                 "tls": getattr(self.request, "sandbox_tls", None)}
        if origin != "api":  # a client must never send its API key to the CDN or to S3
            headers = getattr(self, "headers", None)
            entry["api_key_sent"] = bool(headers and headers.get_all("x-api-key"))
        return entry

    def _dispatch(self):
        entry = self._new_entry()
        self._sent = False
        try:
            self._serve(entry)
        except ClientGone as e:
            entry.setdefault("error", "connection lost: %s" % e)
            self.close_connection = True
        except Exception as e:  # a sandbox bug: answer 500, log the traceback, keep serving
            traceback.print_exc(file=sys.stderr)
            entry["error"] = "sandbox internal error: %r" % e
            if not self._sent:
                try:
                    err = ApiError(500, "internal error", close=True)
                    self._send_error(entry["vendor"], err, entry)
                except ClientGone:
                    pass
            self.close_connection = True
        finally:
            self._log(entry)

    def _log(self, entry):
        """Write the log line once: just before the answer's bytes go out, or at the end."""
        if not entry.get("_logged"):
            entry["_logged"] = True
            line = {k: v for k, v in entry.items() if k != "_logged"}
            line["duration_ms"] = int((time.monotonic() - self._t0) * 1000)
            self.server.app.reqlog.write(line)

    def _serve(self, entry):
        app = self.server.app
        vendor = entry["vendor"]
        self.raw_path = entry["path"]
        length = None
        try:
            length = self._content_length()
            self._check_target()
            route, params = app.routers[self.server.origin].match(self.command, self.raw_path)
            if route is None:
                raise self._no_route(vendor, params)
            api_key = self._authorize(route, vendor, entry)
            limit = route.max_body(app.faults.get("max_upload_bytes"))
            if length and length > limit:
                raise too_large(vendor, length, limit)
            rule = app.faults.take_fail(self.command, self.raw_path, "before")
            if rule:
                raise fault_error(vendor, rule)
            token = self._reserve(route, vendor, api_key)
        except ApiError as err:
            self._reject_early(vendor, err, length, entry)
            return
        self._run(route, params, api_key, token, length, entry)

    def _run(self, route, params, api_key, token, length, entry):
        app, vendor = self.server.app, route.vendor
        if self._expect100:
            self._write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if length and app.faults.take_reset_upload(self.command, self.raw_path, route.upload):
            self._release(route, api_key, token)
            self._reset_mid_upload(length, entry)
            return
        try:
            body = self._read_body(length or 0, entry)
        except ApiError as err:
            self._release(route, api_key, token)
            self._send_error(vendor, err, entry)
            return
        stall = app.faults.take_stall(self.command, self.raw_path)
        if stall and stall["mode"] == "before":
            entry["fault"] = "stall"
            time.sleep(stall["seconds"])
        query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        ctx = Ctx(app, self, route, params, body, query, self._base_url(), api_key, entry)
        resp, err = None, None
        try:
            resp = route.handler(ctx)
        except ApiError as e:
            err = e
        if err is not None or resp.status >= 300:
            self._release(route, api_key, token)
        rule = app.faults.take_fail(self.command, self.raw_path, "after")
        if rule:
            err = fault_error(vendor, rule)
        if err is not None:
            self._send_error(vendor, err, entry)
        else:
            self._send(resp.status, resp.body, resp.content_type, resp.headers, entry, stall)

    # -- checks --------------------------------------------------------------------------------
    def _content_length(self):
        if self.headers.get("Transfer-Encoding"):
            raise ApiError(411, "Transfer-Encoding %r is not accepted: send the body with a "
                           "Content-Length header" % self.headers["Transfer-Encoding"],
                           code="MissingContentLength", close=True)
        values = self.headers.get_all("Content-Length") or []
        if len(set(v.strip() for v in values)) > 1:
            raise ApiError(400, "conflicting Content-Length headers %s" % values, close=True)
        if not values:
            if self.command == "PUT":  # like S3: an upload must say how long it is
                raise ApiError(411, "PUT needs a Content-Length header",
                               code="MissingContentLength")
            return None
        text = values[0].strip()
        if not text.isdigit():
            raise ApiError(400, "Content-Length %r is not a number" % text, close=True)
        return int(text)

    def _check_target(self):
        if not self.path.startswith("/"):
            raise ApiError(400, "request target %r must be a path starting with /" % self.path[:80])
        if self.request_version == "HTTP/1.1" and not self.headers.get("Host"):
            raise ApiError(400, "Host header missing (required by HTTP/1.1)")

    def _no_route(self, vendor, allowed):
        if allowed:
            return ApiError(405, "method %s not allowed on %s; allowed: %s"
                            % (self.command, self.raw_path, ", ".join(allowed)),
                            headers=[("Allow", ", ".join(allowed))])
        hint = ""
        if self.raw_path.rstrip("/") in ("/v3/images", "/v3/orders"):
            hint = " (the collection path ends with a slash: %s/)" % self.raw_path.rstrip("/")
        msg = "no such endpoint: %s %s%s" % (self.command, self.raw_path, hint)
        if vendor == "autoenhance":
            return ApiError(404, "Not Found", detail=msg)
        if vendor == "cdn":
            origin = self.server.origin
            want = "cdn" if self.raw_path.startswith("/cdn/") else "s3"
            if origin != want and self.raw_path.startswith(("/cdn/", "/s3/")):
                msg = "%s is not served by the %s origin: use the %s origin, %s" % (
                    self.raw_path, origin.upper(), want.upper(), self.server.app.origins[want])
            return ApiError(404, "The specified key does not exist.", hint=msg,
                            xml_extra={"Key": self.raw_path})
        return ApiError(404, msg, key="api_error_not_found")

    def _authorize(self, route, vendor, entry):
        values = self.headers.get_all("x-api-key") or []
        if route.auth == "admin":
            if not is_loopback(self.client_address[0]):
                raise ApiError(403, "the admin API only answers on the loopback interface")
            return None
        if route.auth == "none":
            return None
        if route.auth == "nokey":
            if values and route.method == "PUT":
                raise ApiError(400, "x-api-key must not be sent to a presigned upload URL: the "
                               "URL is its own credential and the key would leak to storage",
                               code="InvalidRequest")
            if values:
                entry["warning"] = ("x-api-key was sent to the %s origin; clients must not send "
                                    "it there" % self.server.origin.upper())
            return None
        if not values:
            if route.auth == "optional":
                return None
            raise unauthorized(vendor, "x-api-key header missing")
        if len(values) > 1:
            raise unauthorized(vendor, "x-api-key header sent %d times" % len(values))
        key = values[0]
        if key not in self.server.app.api_keys:
            why = "x-api-key value is not a key this sandbox accepts (see --api-key)"
            if key.strip() in self.server.app.api_keys:
                why = "x-api-key value has extra spaces around it"
            raise unauthorized(vendor, why)
        return key

    def _reserve(self, route, vendor, api_key):
        if not route.creates:
            return None
        token, retry_after, limit = self.server.app.limiter.acquire(api_key)
        if token is None:
            raise rate_limited(vendor, retry_after, limit)
        return token

    def _release(self, route, api_key, token):
        if route.creates and token is not None:
            self.server.app.limiter.release(api_key, token)

    def _base_url(self):
        host = (self.headers.get("Host") or "").lower()
        port = self.server.server_address[1]
        if host in ("127.0.0.1:%d" % port, "localhost:%d" % port, "[::1]:%d" % port):
            return "https://" + host
        return self.server.public_url

    # -- body ----------------------------------------------------------------------------------
    def _read_exact(self, length, timeout):
        """Read up to length bytes; returns (data, reason), reason None, 'eof' or 'timeout'."""
        chunks, got = [], 0
        self.connection.settimeout(timeout)
        try:
            while got < length:
                chunk = self.rfile.read1(min(65536, length - got))
                if not chunk:
                    return b"".join(chunks), "eof"
                chunks.append(chunk)
                got += len(chunk)
        except socket.timeout:
            return b"".join(chunks), "timeout"
        except (OSError, ssl.SSLError):
            return b"".join(chunks), "eof"
        finally:
            try:
                self.connection.settimeout(self.timeout)
            except OSError:
                pass
        return b"".join(chunks), None

    def _read_body(self, length, entry):
        timeout = self.server.app.faults.get("body_timeout_seconds")
        data, reason = self._read_exact(length, timeout)
        entry["bytes_in"] = len(data)
        if reason == "eof":
            raise ApiError(400, "request body truncated: Content-Length is %d bytes but the "
                           "connection ended after %d bytes" % (length, len(data)),
                           code="IncompleteBody", close=True)
        if reason == "timeout":
            raise ApiError(408, "request body incomplete: Content-Length is %d bytes, received %d "
                           "bytes, then nothing for %g s" % (length, len(data), timeout),
                           code="RequestTimeout", close=True)
        return data

    def _reject_early(self, vendor, err, length, entry):
        """Answer before the body was read: drain small bodies to keep the connection usable."""
        if length:
            if self._expect100 or err.close or length > DRAIN_LIMIT:
                err.close = True
            else:
                data, reason = self._read_exact(length, 5.0)
                entry["bytes_in"] = len(data)
                err.close = err.close or reason is not None
        self._send_error(vendor, err, entry)

    def _reset_mid_upload(self, length, entry):
        data, _ = self._read_exact(length // 2, self.server.app.faults.get("body_timeout_seconds"))
        entry.update(bytes_in=len(data), fault="reset_upload",
                     error="connection reset on purpose after %d of %d body bytes"
                     % (len(data), length))
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.connection.sandbox_abort = True
        self.close_connection = True

    # -- output --------------------------------------------------------------------------------
    def _write(self, data):
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (OSError, ssl.SSLError) as e:
            raise ClientGone("while sending: %s" % e)

    def _send_error(self, vendor, err, entry):
        body, ctype = errors.render(vendor, err)
        entry["error"] = err.log_text()
        if err.fault:
            entry["fault"] = err.fault
        headers = list(err.headers)
        if err.hint:
            headers.append(("X-Sandbox-Detail", err.hint.encode("ascii", "replace").decode()))
        if err.close:
            self.close_connection = True
        self._send(err.status, body, ctype, headers, entry)

    def _send(self, status, body, ctype, headers, entry, stall=None):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self._sent = True
        entry["status"] = status
        entry["bytes_out"] = len(body)
        mid_stall = bool(stall and stall["mode"] == "mid_body" and len(body) > 1)
        if mid_stall:
            entry["fault"] = "stall"
        self._log(entry)
        head = b""
        if self.request_version != "HTTP/0.9":  # HTTP/0.9 answers have no status line or headers
            self._headers_buffer.append(b"\r\n")
            head = b"".join(self._headers_buffer)
            self._headers_buffer = []
        if self.command == "HEAD":
            body = b""
        if mid_stall:
            half = len(body) // 2
            self._write(head + body[:half])
            time.sleep(stall["seconds"])
            self._write(body[half:])
        else:
            self._write(head + body)  # one write: no Nagle/delayed-ACK stall between the two
