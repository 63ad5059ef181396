# SPDX-License-Identifier: MIT
"""A test origin on Python's http.server (+ ssl unless CERT is "-"): usage PORT CERT KEY DATA_DIR.
Routes: /hello, /chunked, /close, /redirect, /redirect-to?url=U, /headers, /files/NAME,
/early-close, /stall, /status/N, /upload (multipart parsed with the stdlib email parser: replies
with each part's name, file name, type, size and SHA-256 as JSON), /put (raw body digest),
POST /discard (reads the body, answers 204)."""
import email.parser
import email.policy
import hashlib
import json
import os
import ssl
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, CERT, KEY, DATA = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
DEADLINE = time.time() + 600  # never outlive a test run


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[1], fmt % args))

    def reply(self, status, body, ctype="text/plain", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        path = url.path
        if path == "/hello":
            self.reply(200, b"hello from python\n", extra=[("X-Client-Port", str(self.client_address[1]))])
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "X-Sum")
            self.end_headers()
            for part in (b"chunked ", b"body ", b"with trailers\n"):
                self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\nX-Sum: 3\r\n\r\n")
        elif path == "/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"body ended by close\n")
            self.close_connection = True
        elif path == "/redirect":
            self.reply(302, b"", extra=[("Location", "/hello")])
        elif path == "/redirect-to":
            self.reply(307, b"", extra=[("Location", query["url"][0])])
        elif path == "/headers":
            text = "".join(f"{k}: {v}\n" for k, v in self.headers.items())
            self.reply(200, text.encode(), extra=[("X-Client-Port", str(self.client_address[1]))])
        elif path.startswith("/files/"):
            with open(os.path.join(DATA, os.path.basename(path)), "rb") as f:
                self.reply(200, f.read(), "application/octet-stream")
        elif path == "/early-close":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"x" * 1000)
            self.wfile.flush()
            self.close_connection = True
        elif path == "/stall":
            time.sleep(8)
            self.close_connection = True
        elif path == "/echo-401":
            # A server that echoes the request, credentials and all, in its error reply.
            text = "".join(f"{k}: {v}\n" for k, v in self.headers.items())
            self.reply(401, text.encode(), extra=[("X-Echo-Key", self.headers.get("x-api-key", ""))])
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            self.reply(code, b"status %d body\n" % code, extra=[("Retry-After", "30")])
        else:
            self.reply(404, b"no such route\n")

    def do_POST(self):
        if self.path == "/discard":  # benchmarks: read the body, answer with nothing
            self.body()
            self.send_response(204)
            self.end_headers()
            return
        if self.path != "/upload":
            self.reply(404, b"no such route\n")
            return
        ctype = self.headers.get("Content-Type", "")
        data = self.body()
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + data)
        if not msg.is_multipart() or msg.defects:
            self.reply(400, ("not multipart: %s" % msg.defects).encode())
            return
        parts = {}
        for part in msg.iter_parts():
            payload = part.get_payload(decode=True) or b""
            parts[part.get_param("name", header="content-disposition")] = {
                "filename": part.get_filename(),
                "type": part.get_content_type(),
                "size": len(payload),
                "sha256": hashlib.sha256(payload).hexdigest(),
            }
        self.reply(201, json.dumps({"length": len(data), "parts": parts}).encode(),
                   "application/json")

    def do_PUT(self):
        data = self.body()
        self.reply(200, json.dumps({"size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                                    "type": self.headers.get("Content-Type")}).encode(),
                   "application/json")


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.daemon_threads = True
if CERT != "-":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.timeout = 1
while time.time() < DEADLINE:
    server.handle_request()
