# SPDX-License-Identifier: MIT
# Test harness: starts sandbox.py, drives it with curl and raw TLS sockets, reads its request log.
import atexit
import json
import os
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SANDBOX = os.path.join(HERE, "sandbox.py")
PHOTO = os.path.join(HERE, "..", "..", "tests", "data", "photos", "lakeside-640.jpg")
KEY = "sandbox-key"
PROCESS_SECONDS = 0.4


class Reply:
    """What curl saw: exit code, HTTP status (0 when none), headers of the last answer, body."""

    def __init__(self, exit_code, status, headers, body, stderr):
        self.exit_code = exit_code
        self.status = status
        self.headers = headers
        self.body = body
        self.stderr = stderr

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "Reply(exit=%d, status=%d, body=%r)" % (self.exit_code, self.status, self.body[:300])


class Sandbox:
    """One sandbox.py process on a free port with its own state folder."""

    def __init__(self, args=(), state=None):
        self.tmp = tempfile.mkdtemp(prefix="sandbox-test-")
        self.state = state or os.path.join(self.tmp, "state")
        self.args = list(args)
        self.proc = None
        self.info = None

    def start(self, timeout=30):
        self.stderr = open(os.path.join(self.tmp, "stderr.log"), "w")
        argv = [sys.executable, SANDBOX, "--port", "0", "--state", self.state] + self.args
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.stderr)
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            self.stop()
            raise RuntimeError("sandbox printed no startup line within %d s" % timeout)
        line = self.proc.stdout.readline()
        self.info = json.loads(line.decode("utf-8"))
        self.port = self.info["port"]
        self.ca = self.info["ca_file"]
        self.base = self.info["base_url"]
        return self

    def stop(self, timeout=10):
        """SIGTERM, then wait; returns the exit code (killed after timeout)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            return None
        finally:
            self.stderr.close()

    def kill(self):
        """SIGKILL: no clean shutdown, as in a crash."""
        self.proc.kill()
        self.proc.wait(10)
        self.proc.stdout.close()
        self.stderr.close()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- curl ------------------------------------------------------------------------------------
    def curl(self, target, *args, key=KEY, max_time=20):
        """Run curl over TLS against target (a path or a full URL) with extra args."""
        url = target if target.startswith("https://") else self.base + target
        body_file = os.path.join(self.tmp, "body.bin")
        head_file = os.path.join(self.tmp, "head.txt")
        for f in (body_file, head_file):
            if os.path.exists(f):
                os.remove(f)
        argv = ["curl", "-sS", "--cacert", self.ca, "-o", body_file, "-D", head_file,
                "-w", "%{http_code}", "--max-time", str(max_time)]
        if key:
            argv += ["-H", "x-api-key: " + key]
        argv += list(args) + [url]
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=max_time + 10)
        code = proc.stdout.decode().strip()[-3:]
        body = open(body_file, "rb").read() if os.path.exists(body_file) else b""
        heads = open(head_file, "rb").read().decode("latin-1") if os.path.exists(head_file) else ""
        return Reply(proc.returncode, int(code) if code.isdigit() else 0, _last_headers(heads),
                     body, proc.stderr.decode(errors="replace"))

    def get(self, path, **kw):
        return self.curl(path, **kw)

    def post_json(self, path, obj, *args, **kw):
        return self.curl(path, "-H", "Content-Type: application/json", "--data-binary",
                         json.dumps(obj), *args, **kw)

    def admin(self, path, obj=None):
        if obj is None and path.endswith("/state"):
            r = self.curl(path, key=None)
        else:
            r = self.curl(path, "--data-binary", json.dumps(obj or {}), key=None)
        if r.status != 200:
            raise AssertionError("admin %s failed: %r" % (path, r))
        return r.json()

    def file(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    # -- raw TLS ---------------------------------------------------------------------------------
    def tls_socket(self, **ctx_opts):
        ctx = ssl.create_default_context(cafile=self.ca)
        for name, value in ctx_opts.items():
            setattr(ctx, name, value) if name != "ciphers" else ctx.set_ciphers(value)
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        return ctx.wrap_socket(sock, server_hostname="127.0.0.1")

    def raw(self, data, timeout=10, sock=None):
        """Send raw bytes on a fresh (or given) TLS connection; return (status, headers, body)."""
        s = sock or self.tls_socket()
        s.settimeout(timeout)
        s.sendall(data)
        result = read_response(s)
        if sock is None:
            s.close()
        return result

    # -- request log -----------------------------------------------------------------------------
    def log_lines(self):
        with open(self.info["log_file"], encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def mark(self):
        return len(self.log_lines())

    def logged_since(self, mark):
        return self.log_lines()[mark:]


def _last_headers(text):
    blocks = [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    headers = {}
    if blocks:
        for line in blocks[-1].split("\n")[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return headers


def read_response(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0]:
        return 0, {}, b""
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


# -- images ------------------------------------------------------------------------------------
def photo_bytes():
    with open(PHOTO, "rb") as f:
        return f.read()


def png_bytes(width, height, pixel=lambda x, y: (x * 4 % 256, y * 4 % 256, 128)):
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width))
                    for y in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def mask_png(width, height):
    blue = (0x78, 0x78, 0xCD)
    black = (0, 0, 0)
    return png_bytes(width, height,
                     lambda x, y: blue if 100 < x < 300 and 100 < y < 300 else black)


def webp_magic(width=64, height=40):
    """A WEBP container with a VP8 header (size readable) but no decodable picture."""
    vp8 = b"\x00\x00\x00\x9d\x01\x2a" + struct.pack("<HH", width, height) + b"\x00" * 20
    body = b"WEBP" + b"VP8 " + struct.pack("<I", len(vp8)) + vp8
    return b"RIFF" + struct.pack("<I", len(body)) + body


def jpeg_with_comment(text):
    data = photo_bytes()
    com = text.encode()
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(com) + 2) + com + data[2:]


def decode_ppm(jpeg):
    """(width, height, per-channel means) of a JPEG decoded by djpeg."""
    out = subprocess.run(["djpeg", "-pnm"], input=jpeg, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, check=True).stdout
    fields = out.split(maxsplit=4)
    w, h = int(fields[1]), int(fields[2])
    px = fields[4][-(w * h * 3):]
    n = w * h
    return w, h, [sum(px[c::3]) / float(n) for c in range(3)]


# -- shared instance ---------------------------------------------------------------------------
_shared = None


def shared():
    """The sandbox most tests use (started once, stopped at exit)."""
    global _shared
    if _shared is None:
        _shared = Sandbox(["--process-seconds", str(PROCESS_SECONDS)]).start()
        atexit.register(_shared.cleanup)
    return _shared


def stop_shared():
    if _shared is not None:
        _shared.cleanup()


class SandboxTest(unittest.TestCase):
    """Base class: a reset shared sandbox before every test, helpers to poll."""

    def setUp(self):
        self.sb = shared()
        self.sb.admin("/_admin/reset")

    def poll(self, fn, done, timeout=10.0, interval=0.05):
        """Call fn() until done(value) is true; return the value (fails after timeout)."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            value = fn()
            seen.append(value)
            if done(value):
                return value
            if time.monotonic() > deadline:
                self.fail("condition not reached in %g s; last value %r" % (timeout, value))
            time.sleep(interval)

    def assertJpegDiffers(self, jpeg, original=None):
        self.assertEqual(jpeg[:3], b"\xff\xd8\xff", "not a JPEG: %r" % jpeg[:16])
        w, h, means = decode_ppm(jpeg)
        ow, oh, omeans = decode_ppm(original or photo_bytes())
        self.assertEqual((w, h), (ow, oh))
        diff = max(abs(a - b) for a, b in zip(means, omeans))
        self.assertGreater(diff, 8, "derived image is too close to the input: %r vs %r"
                           % (means, omeans))
