# SPDX-License-Identifier: MIT
# Sandbox start-up: certificates, TLS context, threaded server, startup line and clean shutdown.
import json
import os
import secrets
import signal
import socket
import ssl
import stat
import sys
import threading
from http.server import ThreadingHTTPServer

from . import admin, aihd_v1, aihd_v3, autoenhance, cdn, certs, config
from .faults import Faults, RateLimiter
from .httpd import Handler
from .render import VariantCache
from .reqlog import RequestLog
from .store import Store
from .web import Router

HANDSHAKE_TIMEOUT_S = 10
CIPHERS = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
           "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
           "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305")


class App:
    """Everything the handlers share."""

    def __init__(self, args, baseline, base_url, log_path):
        self.api_keys = frozenset(args.api_keys or ["sandbox-key"])
        self.quiet = args.quiet
        self.base_url = base_url
        self.faults = Faults(baseline)
        self.limiter = RateLimiter(self.faults)
        self.store = Store()
        self.variants = VariantCache()
        self.secret = secrets.token_bytes(32)
        self.reqlog = RequestLog(log_path, echo=not args.quiet)
        self.router = Router(aihd_v3.ROUTES + aihd_v1.ROUTES + autoenhance.ROUTES + cdn.ROUTES
                             + admin.ROUTES)


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # do not wait for idle keep-alive or stalled connections on shutdown
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, context, family):
        self.address_family = family
        self.ssl_context = context
        self.app = None
        super().__init__(address, Handler)

    def finish_request(self, request, client_address):
        """Runs on the connection's own thread: TLS handshake, then HTTP."""
        try:
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            request.settimeout(HANDSHAKE_TIMEOUT_S)
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            if not self.app.quiet:
                sys.stderr.write("sandbox: TLS handshake with %s failed: %s\n"
                                 % (client_address[0], e))
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            if not getattr(tls, "sandbox_abort", False):
                _lingering_close(tls)
            tls.close()

    def handle_error(self, request, client_address):
        if not self.app.quiet:
            sys.stderr.write("sandbox: connection from %s ended with an error: %s\n"
                             % (client_address[0], sys.exc_info()[1]))


def _lingering_close(sock, seconds=1.0):
    """Send close_notify and FIN, then discard what the peer still sends for a moment, so that
    an answer sent before an unread request body reaches the peer instead of being destroyed by
    a RST."""
    try:
        sock.settimeout(0.2)
        sock.unwrap()
    except (OSError, ValueError):
        pass
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(seconds)
        for _ in range(256):
            if not sock.recv(65536):
                break
    except (OSError, ValueError):
        pass


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(CIPHERS)
    ctx.load_cert_chain(cert, key)
    return ctx


class _DroppingStderr:
    """stderr that never blocks: when a parent reads its pipe too slowly, lines are dropped
    instead of stalling request threads (the request log file is the record tests rely on)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        try:
            return self._stream.write(text)
        except (BlockingIOError, BrokenPipeError):
            return len(text)

    def flush(self):
        try:
            self._stream.flush()
        except (BlockingIOError, BrokenPipeError):
            pass

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _protect_stderr():
    try:
        if stat.S_ISFIFO(os.fstat(2).st_mode):
            os.set_blocking(2, False)
            sys.stderr = _DroppingStderr(sys.stderr)
    except (OSError, ValueError):
        pass


def _base_url(host, port):
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return "https://%s:%d" % ("[%s]" % host if ":" in host else host, port)


def main(argv=None):
    _protect_stderr()
    parser = config.parser()
    args = parser.parse_args(argv)
    try:
        baseline = config.baseline(args)
    except ValueError as e:
        parser.error(str(e))
    state = os.path.abspath(args.state)
    ca_file, cert, key = certs.ensure(state)
    log_path = os.path.abspath(args.log or os.path.join(state, "requests.jsonl"))
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    server = SandboxServer((args.host, args.port), tls_context(cert, key), family)
    port = server.server_address[1]
    base_url = _base_url(args.host, port)
    server.app = App(args, baseline, base_url, log_path)
    stopping = threading.Event()

    def stop(signum, _frame):
        if not stopping.is_set():
            stopping.set()
            sys.stderr.write("sandbox: signal %d, stopping\n" % signum)
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    line = {"port": port, "ca_file": ca_file, "log_file": log_path, "base_url": base_url,
            "pid": os.getpid()}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
    sys.stderr.write("sandbox: listening on %s (CA %s, log %s)\n" % (base_url, ca_file, log_path))
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        server.app.reqlog.close()
        sys.stderr.write("sandbox: stopped\n")
    return 0

