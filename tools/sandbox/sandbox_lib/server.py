# SPDX-License-Identifier: MIT
# Sandbox start-up: certificates, the API, CDN and S3 origins, startup line and clean shutdown.
import itertools
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading
from http.server import ThreadingHTTPServer

from . import admin, aihd_v1, aihd_v3, autoenhance, cdn, certs, config, jobs, persist
from .faults import Faults, RateLimiter
from .httpd import Handler
from .render import VariantCache
from .reqlog import RequestLog
from .stdio import protect_stderr
from .store import Store, iso
from .web import Router

HANDSHAKE_TIMEOUT_S = 10
CIPHERS = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
           "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
           "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305")


class App:
    """Everything the handlers share."""

    def __init__(self, args, baseline, origins, log_path, state, conn_log_path):
        self.api_keys = frozenset(args.api_keys or ["sandbox-key"])
        self.quiet = args.quiet
        self.origins = origins  # {"api": url, "cdn": url, "s3": url}
        self.base_url = origins["api"]
        self.faults = Faults(baseline)
        self.limiter = RateLimiter(self.faults)
        self.store = Store(persist.Disk(state))
        self.variants = VariantCache()
        self.secret = persist.secret_key(state)  # presigned URLs stay valid across restarts
        # TLS connections accepted, on every origin: each one's number is logged with its
        # requests (next() on a count is atomic under the GIL).
        self.connections = itertools.count(1)
        self.reqlog = RequestLog(log_path, echo=not args.quiet)
        self.connlog = RequestLog(conn_log_path, echo=False)
        self.routers = {
            "api": Router(aihd_v3.ROUTES + aihd_v1.ROUTES + autoenhance.ROUTES + admin.ROUTES),
            "cdn": Router(cdn.CDN_ROUTES),
            "s3": Router(cdn.S3_ROUTES),
        }


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # do not wait for idle keep-alive or stalled connections on shutdown
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, context, origin, app=None):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.ssl_context = context
        self.origin = origin  # "api", "cdn" or "s3": which router answers on this port
        self.public_url = None
        self.app = app
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
        # Logged with each request ("conn", "tls_resumed", "tls") and in the connection log.
        tls.sandbox_conn = next(self.app.connections)
        tls.sandbox_resumed = bool(tls.session_reused)
        name, version, _ = tls.cipher()
        tls.sandbox_tls = "%s %s" % (version, name)
        opened = iso(micro=True)
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            if not getattr(tls, "sandbox_abort", False):
                _lingering_close(tls)
            self._log_connection(tls, opened)
            tls.close()

    def _log_connection(self, tls, opened):
        received, sent = _tcp_bytes(tls)
        try:
            self.app.connlog.write({"conn": tls.sandbox_conn, "origin": self.origin,
                                    "opened": opened, "closed": iso(micro=True),
                                    "tls_resumed": tls.sandbox_resumed, "tls": tls.sandbox_tls,
                                    "tcp_bytes_in": received, "tcp_bytes_out": sent})
        except ValueError:  # the log was closed: the sandbox is stopping
            pass

    def handle_error(self, request, client_address):
        if not self.app.quiet:
            sys.stderr.write("sandbox: connection from %s ended with an error: %s\n"
                             % (client_address[0], sys.exc_info()[1]))


def _tcp_bytes(sock):
    """(bytes received, bytes sent and acknowledged) on a TCP connection, as the kernel counts
    them (tcp_info: TLS records, handshake included), or (None, None) where it does not."""
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    except (AttributeError, OSError, ValueError):
        return None, None
    if len(info) < 136:  # tcpi_bytes_acked and tcpi_bytes_received came with Linux 4.1 and 4.2
        return None, None
    acked, received = struct.unpack_from("=QQ", info, 120)
    return received, acked


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


def _url(host, port):
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return "https://%s:%d" % ("[%s]" % host if ":" in host else host, port)


def _file_hosts(api_host):
    """(addresses to listen on, host name for URLs) of the CDN and S3 origins. On loopback the
    URLs say localhost, so that their host differs from the API's as well as their port; both
    loopback addresses are tried so that localhost works whichever one it resolves to first."""
    if api_host in ("127.0.0.1", "::1"):
        other = "::1" if api_host == "127.0.0.1" else "127.0.0.1"
        return [api_host, other], "localhost"
    return [api_host], api_host


def _listen(addresses, port, context, origin):
    """Servers for origin on the first address (port 0: a free one) and, best effort, the
    others on the same port."""
    servers = [SandboxServer((addresses[0], port), context, origin)]
    port = servers[0].server_address[1]
    for extra in addresses[1:]:
        try:
            servers.append(SandboxServer((extra, port), context, origin))
        except OSError:
            pass
    return servers


def _start(args, pairs):
    """Bind the API, CDN and S3 ports. Returns ({origin: [servers]}, {origin: url})."""
    servers = {"api": [SandboxServer((args.host, args.port), tls_context(*pairs["server"]),
                                     "api")]}
    origins = {"api": _url(args.host, servers["api"][0].server_address[1])}
    addresses, name = _file_hosts(args.host)
    for origin, port in (("cdn", args.cdn_port), ("s3", args.s3_port)):
        servers[origin] = _listen(addresses, port, tls_context(*pairs[origin]), origin)
        origins[origin] = _url(name, servers[origin][0].server_address[1])
    for origin, group in servers.items():
        for server in group:
            server.public_url = origins[origin]
    return servers, origins


def main(argv=None):
    protect_stderr()
    parser = config.parser()
    args = parser.parse_args(argv)
    try:
        baseline = config.baseline(args)
    except ValueError as e:
        parser.error(str(e))
    state = os.path.abspath(args.state)
    ca_file, pairs = certs.ensure(state)
    log_path = os.path.abspath(args.log or os.path.join(state, "requests.jsonl"))
    conn_log_path = os.path.abspath(args.conn_log or os.path.join(state, "connections.jsonl"))
    servers, origins = _start(args, pairs)
    app = App(args, baseline, origins, log_path, state, conn_log_path)
    for job in app.store.load():
        jobs.resume(app, job)
    every = [s for group in servers.values() for s in group]
    for server in every:
        server.app = app
    stopping = threading.Event()

    def stop(signum, _frame):
        if not stopping.is_set():
            stopping.set()
            sys.stderr.write("sandbox: signal %d, stopping\n" % signum)
            for server in every:
                threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _announce(app, servers, ca_file, log_path)
    for server in every[1:]:
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True, name="serve-" + server.origin).start()
    try:
        every[0].serve_forever(poll_interval=0.2)
    finally:
        for server in every[1:]:
            server.shutdown()  # their loops were started above, so this returns
        for server in every:
            server.server_close()
        app.reqlog.close()
        app.connlog.close()
        app.store.disk.close()
        sys.stderr.write("sandbox: stopped\n")
    return 0


def _announce(app, servers, ca_file, log_path):
    """The one JSON startup line on stdout, then a human line on stderr."""
    o = app.origins
    line = {"port": servers["api"][0].server_address[1], "ca_file": ca_file,
            "log_file": log_path, "base_url": o["api"], "pid": os.getpid(),
            "cdn_base_url": o["cdn"], "cdn_port": servers["cdn"][0].server_address[1],
            "s3_base_url": o["s3"], "s3_port": servers["s3"][0].server_address[1],
            "conn_log_file": app.connlog.path}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
    sys.stderr.write("sandbox: listening on %s, CDN %s, S3 %s (CA %s, log %s)\n"
                     % (o["api"], o["cdn"], o["s3"], ca_file, log_path))
