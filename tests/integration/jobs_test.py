#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Integration tests of the job commands (`submit`, `status`, `jobs`, `catalog`): the real binary
# against the sandbox (tools/sandbox) over TLS, each test class with its own sandboxes on free
# ports and temporary state folders. Every assertion about what went over the wire is read from
# the sandbox's request log. Usage: jobs_test.py SNAPSTAGE DATA_DIR [unittest arguments]
import collections
import ctypes
import datetime
import hashlib
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
import zlib
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX = os.path.join(HERE, "..", "..", "tools", "sandbox", "sandbox.py")
BIN = None
DATA = None
PHOTO = None
# A key that appears nowhere else, so that finding it in a file or an output means a leak.
KEY = "sk-snapstage-itest-5b1f0c9e77a2"

# -- the sandbox ---------------------------------------------------------------------------------


def _stop_with_parent():
    """In the child: SIGTERM when the test runner dies (ctest's time-out kills it), so that no
    sandbox outlives its test."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Sandbox:
    """One sandbox.py process on free ports with its own temporary state folder."""

    def __init__(self, *args, process_seconds=0.3, rate_limit="off"):
        self.tmp = tempfile.mkdtemp(prefix="snapstage-jobs-sandbox-")
        argv = [sys.executable, SANDBOX, "--port", "0", "--state", os.path.join(self.tmp, "state"),
                "--quiet", "--api-key", KEY, "--rate-limit", rate_limit,
                "--process-seconds", str(process_seconds)] + list(args)
        self.stderr = open(os.path.join(self.tmp, "stderr.log"), "w")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.stderr,
                                     preexec_fn=_stop_with_parent)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        if not ready:
            self.stop()
            raise RuntimeError("the sandbox printed no startup line within 60 s")
        self.info = json.loads(self.proc.stdout.readline().decode("utf-8"))
        self.base = self.info["base_url"]
        self.ca = self.info["ca_file"]
        self.log_file = self.info["log_file"]
        self.ssl = ssl.create_default_context(cafile=self.ca)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc.stdout.close()
        self.stderr.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def request(self, method, path, body=None, key=KEY):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if key:
            req.add_header("x-api-key", key)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, context=self.ssl, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def get(self, path, key=KEY):
        status, body = self.request("GET", path, key=key)
        assert status == 200, (path, status, body)
        return body

    def admin(self, path, body=None):
        status, reply = self.request("GET" if body is None else "POST", "/_admin/" + path, body,
                                     key=None)
        assert status == 200, (path, status, reply)
        return reply

    def faults(self, **switches):
        return self.admin("faults", switches)

    def reset(self, **switches):
        """Back to the baseline switches, every stored object forgotten."""
        self.admin("reset", {"clear_data": True})
        if switches:
            self.faults(**switches)

    def counts(self):
        return self.admin("state")["counts"]

    def log(self):
        with open(self.log_file, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def mark(self):
        return len(self.log())

    def since(self, mark):
        """The client's requests logged after `mark` (the test's own admin calls left out)."""
        return [l for l in self.log()[mark:] if l["vendor"] != "admin"]


class LogTail:
    """Reads the request log incrementally (for kill triggers)."""

    def __init__(self, path):
        self.path = path
        self.offset = os.path.getsize(path) if os.path.exists(path) else 0
        self.rest = b""

    def new_lines(self):
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        data = self.rest + data
        *lines, self.rest = data.split(b"\n")
        return [json.loads(l) for l in lines if l.strip()]


class CutProxy:
    """A TCP relay in front of the sandbox's API port (TLS passes through it untouched). Armed,
    it cuts the next connection that carries more than `min_bytes` from the client: the request
    reaches the sandbox whole, but once the sandbox has logged `what` the client side is reset
    without a byte of the answer, as when a link drops while the answer is on its way."""

    def __init__(self, sb):
        self.sb = sb
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.base = "https://127.0.0.1:%d" % self.port
        self.armed = None
        self.cuts = 0
        self.stopped = False
        threading.Thread(target=self.accept, daemon=True).start()

    def arm(self, what, min_bytes):
        self.armed = (what, min_bytes, LogTail(self.sb.log_file))

    def stop(self):
        self.stopped = True
        self.listener.close()

    def accept(self):
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.sb.info["port"]))
            threading.Thread(target=self.relay, args=(client, server), daemon=True).start()

    def relay(self, client, server):
        sent, held = 0, False
        try:
            while True:
                ready, _, _ = select.select([client, server], [], [], 0.01)
                if client in ready:
                    data = client.recv(65536)
                    if not data:
                        break
                    server.sendall(data)
                    sent += len(data)
                    if self.armed and sent > self.armed[1]:
                        held = True
                if server in ready:
                    data = server.recv(65536)
                    if not data:
                        break
                    if not held:
                        client.sendall(data)
                if held and any(shape(l) == self.armed[0] for l in self.armed[2].new_lines()):
                    self.armed = None
                    self.cuts += 1
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
                    break
        except OSError:
            pass
        finally:
            client.close()
            server.close()


ID = re.compile(r"/([0-9a-f]{24}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
                r"(?=/|$)")


def shape(line):
    """'METHOD /path' with object ids as :id and file paths cut to their folder."""
    path = ID.sub("/:id", line["path"])
    for prefix in ("/cdn/results/", "/cdn/assets/", "/s3/"):
        if path.startswith(prefix):
            path = prefix + "*"
    return "%s %s" % (line["method"], path)


def by_shape(lines):
    return collections.Counter(shape(l) for l in lines)


def select_lines(lines, what, status=None):
    return [l for l in lines if shape(l) == what and (status is None or l["status"] == status)]


# -- images --------------------------------------------------------------------------------------

_variants = {}


def variant(quality, scale=None):
    """The test photo re-encoded at `quality` (optionally scaled): a distinct sha256 per call
    argument, cached for the run."""
    key = (quality, scale)
    if key not in _variants:
        d = os.path.join(tempfile.gettempdir(), "snapstage-jobs-images-%d" % os.getpid())
        os.makedirs(d, exist_ok=True)
        suffix = "-x" + scale.replace("/", "-") if scale else ""
        path = os.path.join(d, "photo-q%d%s.jpg" % (quality, suffix))
        djpeg = ["djpeg", "-pnm"] + (["-scale", scale] if scale else []) + [PHOTO]
        pnm = subprocess.run(djpeg, capture_output=True, check=True).stdout
        jpg = subprocess.run(["cjpeg", "-quality", str(quality)], input=pnm,
                             capture_output=True, check=True).stdout
        with open(path, "wb") as f:
            f.write(jpg)
        _variants[key] = path
    return _variants[key]


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def jpeg_size(path):
    """Width and height as djpeg decodes the file (raises if it does not decode)."""
    out = subprocess.run(["djpeg", "-pnm", path], capture_output=True, timeout=60, check=True)
    fields = out.stdout.split(maxsplit=3)
    assert fields[0] in (b"P6", b"P5"), fields[0]
    return int(fields[1]), int(fields[2])


def mask_png(path, width=640, height=400):
    """A PNG mask (blue = remove, black = keep) of the photo's size."""
    blue, black = b"\x78\x78\xcd", b"\x00\x00\x00"
    rows = b"".join(b"\x00" + b"".join(blue if 100 < x < 300 and 100 < y < 300 else black
                                       for x in range(width)) for y in range(height))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0,
                                                              0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(data)
    return path


# -- the client ----------------------------------------------------------------------------------


class Run:
    def __init__(self, argv, returncode, stdout, stderr, seconds):
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds
        self.events = []
        for line in stdout.splitlines():
            if line.startswith("{"):
                self.events.append(json.loads(line))

    def named(self, name):
        return [e for e in self.events if e["event"] == name]

    def __repr__(self):
        return "Run(%s -> %d)\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(self.argv[3:]), self.returncode, self.stdout[-3000:], self.stderr[-3000:])


class Client:
    """A config (service, CA, spool, fast polling) and ways to run snapstage with it."""

    def __init__(self, folder, sb, vendor="aihomedesign", api="v3", tool="tool-virtual-staging",
                 spool=None, poll=None, widgets=None, extra=None):
        self.folder = folder
        self.sb = sb
        self.spool = spool or os.path.join(folder, "spool")
        service = {"vendor": vendor, "api": api, "base_url": sb.base, "tool": tool}
        if widgets:
            service["widgets"] = widgets
        config = {"service": service, "tls": {"ca_file": sb.ca},
                  "spool": {"dir": self.spool, "keep_days": 7},
                  "poll": dict({"min_interval_s": 0.1, "max_interval_s": 0.5, "timeout_s": 60},
                               **(poll or {}))}
        for section, values in (extra or {}).items():
            config.setdefault(section, {}).update(values)
        self.config = os.path.join(folder, "config-%s-%s-%d.json" % (vendor, api,
                                                                     len(os.listdir(folder))))
        with open(self.config, "w") as f:
            json.dump(config, f)

    def argv(self, *args, json_events=True):
        return [BIN, "-c", self.config] + (["--json"] if json_events else []) + list(args)

    @staticmethod
    def env(key=KEY):
        env = dict(os.environ)
        env.pop("SNAPSTAGE_API_KEY", None)
        if key is not None:
            env["SNAPSTAGE_API_KEY"] = key
        return env

    def run(self, *args, key=KEY, json_events=True, timeout=120):
        argv = self.argv(*args, json_events=json_events)
        start = time.monotonic()
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           env=self.env(key))
        return Run(argv, p.returncode, p.stdout, p.stderr, time.monotonic() - start)

    def popen(self, *args, key=KEY):
        argv = self.argv(*args)
        out = open(os.path.join(self.folder, "out-%d.txt" % time.monotonic_ns()), "w+")
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=out, env=self.env(key))
        proc.err_file = out
        return proc

    def jobs(self):
        """{job id: job.listed event} from `jobs --json`."""
        r = self.run("jobs")
        assert r.returncode == 0, r
        return {e["job"]: e for e in r.named("job.listed")}

    def job_dirs(self):
        d = os.path.join(self.spool, "jobs")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []


class JobsTestCase(unittest.TestCase):
    """Base: a temporary folder per test; after each test, the spool holds no API key and no
    request reached the CDN or S3 origins with one."""

    sandboxes = ()

    @classmethod
    def start(cls, *args, **kw):
        sb = Sandbox(*args, **kw)
        cls.addClassCleanup(sb.stop)
        return sb

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="snapstage-jobs-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.runs = []

    def tearDown(self):
        for root, _, files in os.walk(self.dir):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    self.assertNotIn(KEY.encode(), f.read(), "API key in %s" % name)
        for r in self.runs:
            self.assertNotIn(KEY, r.stdout + r.stderr, "API key printed by %s" % r.argv)
        for sb in self.sandboxes:
            for line in sb.log():
                if line["origin"] in ("cdn", "s3"):
                    self.assertIs(line["api_key_sent"], False, line)

    def client(self, sb, **kw):
        return Client(self.dir, sb, **kw)

    def submit(self, client, *args, key=KEY, expect=0, timeout=120):
        r = client.run("submit", *args, key=key, timeout=timeout)
        self.runs.append(r)
        if expect is not None:
            self.assertEqual(r.returncode, expect, r)
        return r

    def run_client(self, client, *args, expect=0, key=KEY, json_events=True):
        r = client.run(*args, key=key, json_events=json_events)
        self.runs.append(r)
        if expect is not None:
            self.assertEqual(r.returncode, expect, r)
        return r

    def assertResult(self, run, size=(640, 400), count=1):
        """The run saved `count` results that exist and decode to `size`; returns their paths."""
        saved = run.named("result.saved")
        self.assertEqual(len(saved), count, run)
        for e in saved:
            self.assertTrue(os.path.isfile(e["path"]), e)
            self.assertEqual(os.path.getsize(e["path"]), e["bytes"])
            self.assertEqual(jpeg_size(e["path"]), size)
        self.assertEqual(len(run.named("job.done")), 1, run)
        return [e["path"] for e in saved]

    def assertNoRetry(self, lines, what):
        self.assertEqual(len(select_lines(lines, what)), 1, by_shape(lines))


# -- every tool, every API -----------------------------------------------------------------------

# Valid settings for each tool of the sandbox's v3 catalog; tools the sandbox lists as available
# must all be here (a new one fails the test until it is covered).
V3_TOOLS = {
    "tool-virtual-staging": ["--param", "space=living-room", "--param", "style=modern"],
    "tool-virtual-restaging": ["--param", "space=bedroom", "--param", "style=scandinavian"],
    "tool-interior-design": ["--param", "space=kitchen", "--param", "style=industrial",
                             "--param", "color=warm-tones"],
    "tool-image-enhancement": ["--param", "area=indoor",
                               "--param", "enhancement-options=add-fire-to-fireplace",
                               "--param", "enhancement-options=add-screen-to-tv"],
    "tool-item-removal": [],
    "tool-item-removal-mask": ["--mask", "MASK"],
    "tool-darkness": ["IMAGE2", "--param", "darkness-factor=factor-lighter"],
    "tool-wall-change": ["--param", "space=bedroom", "--param", "material=brick-wall"],
    "tool-floor-change": [],
    "tool-ceiling-change": ["--param", "material=coffered"],
    "tool-backsplash-change": ["--param", "space=kitchen", "--param", "material=subway-tile"],
    # full slugs work as well as short ones
    "tool-under-construction": [
        "--param", "widget-space-tool-under-construction="
                   "item-dining-room-widget-space-tool-under-construction",
        "--param", "widget-style-tool-under-construction="
                   "item-farmhouse-widget-style-tool-under-construction"],
    "tool-day-to-dusk": ["--param", "sky-style=golden-hour",
                         "--param", "day-to-dusk-options=shadow-removal"],
}
TWO_ANGLES = {"tool-darkness"}
STAGING = ["--param", "space=living-room", "--param", "style=modern"]


class V3ToolsTest(JobsTestCase):
    """Every available tool of the sandbox's v3 catalog, end to end, wrapped and bare."""

    @classmethod
    def setUpClass(cls):
        cls.wrapped = cls.start()
        cls.bare = cls.start("--bare", "--result-urls", "temp")
        cls.sandboxes = (cls.wrapped, cls.bare)

    def every_tool(self, sb, only=None):
        tools = [t["slug"] for t in sb.get("/api/tools", key=None)["data"] if t["isActive"]]
        self.assertEqual(sorted(tools), sorted(V3_TOOLS))
        tools = [t for t in tools if (t in only if only else t not in TWO_ANGLES)]
        client = self.client(sb)
        mask = mask_png(os.path.join(self.dir, "mask.png"))
        mark = sb.mark()

        def one(tool):
            args = [mask if a == "MASK" else variant(80) if a == "IMAGE2" else a
                    for a in V3_TOOLS[tool]]
            images = [PHOTO] + [a for a in args if a.endswith(".jpg")]
            args = [a for a in args if not a.endswith(".jpg")]
            return tool, images, client.run("submit", *images, "--tool", tool, *args)

        with ThreadPoolExecutor(max_workers=4) as pool:
            runs = list(pool.map(one, tools))
        for tool, images, r in runs:
            self.runs.append(r)
            with self.subTest(tool=tool):
                self.assertEqual(r.returncode, 0, r)
                self.assertEqual(r.named("job.created")[0]["tool"], tool)
                self.assertResult(r)
        lines = sb.since(mark)
        n = len(tools)
        seen = by_shape(lines)
        self.assertEqual(seen["POST /v3/project"], n, seen)
        self.assertEqual(len(select_lines(lines, "POST /v3/order", 201)), n, seen)
        self.assertEqual(seen["POST /v3/order"], n, seen)
        self.assertEqual(len(select_lines(lines, "POST /v3/process", 201)), n, seen)
        self.assertEqual(seen["POST /v3/process"], n, seen)
        masks = sum(1 for t in tools if "MASK" in V3_TOOLS[t])
        self.assertEqual(len(select_lines(lines, "POST /v3/order/:id/append", 201)), masks, seen)
        self.assertEqual(len(select_lines(lines, "GET /cdn/results/*", 200)), n, seen)
        self.assertEqual([l for l in lines if l["status"] not in (200, 201)], [])
        for l in lines:
            on_cdn = l["path"].startswith("/cdn/")
            self.assertEqual(l["origin"], "cdn" if on_cdn else "api", l)
        # an order carries both angles for a two-angle tool, else the one photo
        orders = select_lines(lines, "POST /v3/order")
        self.assertEqual(sorted(len(l["files"]) for l in orders),
                         sorted(2 if t in TWO_ANGLES else 1 for t in tools))
        photo = sha256_of(PHOTO)
        self.assertTrue(all(l["files"][0]["sha256"] == photo for l in orders))
        for l in orders:
            if len(l["files"]) == 2:
                self.assertEqual(l["files"][1]["sha256"], sha256_of(variant(80)))
        for l in select_lines(lines, "POST /v3/order/:id/append"):
            self.assertEqual(l["files"][0]["content_type"], "image/png")

    def test_every_tool_wrapped_bodies_result_src(self):
        self.every_tool(self.wrapped)

    def test_every_tool_bare_bodies_result_temp_src(self):
        self.every_tool(self.bare)

    # Regression (fixed): `submit IMAGE IMAGE2` (a second angle) reads freed memory: cmd_submit.cpp binds
    # NewJobInputs::secondary (a string_view) to the temporary std::string of
    # `o.images.size() > 1 ? o.images[1] : ""`; ASan aborts in Spool::copyInto (exit 1).
    def test_two_angle_tool_wrapped(self):
        self.every_tool(self.wrapped, only=TWO_ANGLES)

    def test_two_angle_tool_bare(self):
        self.every_tool(self.bare, only=TWO_ANGLES)

    def test_config_widgets_and_param_override(self):
        widgets = {"widget-space-tool-virtual-staging":
                   ["item-living-room-widget-space-tool-virtual-staging"],
                   "widget-style-tool-virtual-staging":
                   ["item-modern-widget-style-tool-virtual-staging"]}
        client = self.client(self.wrapped, widgets=widgets)
        mark = self.wrapped.mark()
        self.assertResult(self.submit(client, PHOTO))
        self.assertResult(self.submit(client, PHOTO, "--param", "style=farmhouse"))
        self.assertResult(self.submit(client, PHOTO, "--out", os.path.join(self.dir, "out")))
        out = os.listdir(os.path.join(self.dir, "out"))
        self.assertEqual(len(out), 1)
        self.assertEqual(jpeg_size(os.path.join(self.dir, "out", out[0])), (640, 400))
        seen = by_shape(self.wrapped.since(mark))
        self.assertEqual((seen["POST /v3/order"], seen["POST /v3/process"]), (3, 3), seen)


class OneSandboxTestCase(JobsTestCase):
    """Base: one sandbox for the class (self.sb), back to its baseline before each test."""

    @classmethod
    def setUpClass(cls):
        cls.sb = cls.start()
        cls.sandboxes = (cls.sb,)

    def setUp(self):
        super().setUp()
        self.sb.reset()


class V1AndAutoenhanceTest(OneSandboxTestCase):
    """AI HomeDesign v1 and Autoenhance end to end, with the switches that change their shape."""

    def v1_params(self, service, space):
        query = "service_name=%s" % service + ("&space_name=%s" % space if space else "")
        widgets = self.sb.get("/v1/catalog/items/filter?" + query)["data"]
        params = ["--param", "space_name=" + space] if space else []
        for w in widgets:
            if not w["is_optional"]:
                params += ["--param", "%s=%s" % (w["id"], w["items"][1]["id"])]
        return params

    def test_v1_services_with_their_required_widgets(self):
        client = self.client(self.sb, api="v1", tool="service-ai-virtual-staging")
        cases = [("service-ai-virtual-staging", "space-living-room"),
                 ("service-creative-designer", "space-bedroom"),
                 ("service-day-to-dusk", None), ("service-item-removal", None)]
        for service, space in cases:
            with self.subTest(service=service):
                params = self.v1_params(service, space)
                image = variant(70 + len(service) % 20)
                mark = self.sb.mark()
                r = self.submit(client, image, "--tool", service, *params)
                self.assertResult(r)
                self.assertEqual(r.named("job.created")[0]["api"], "v1")
                lines = self.sb.since(mark)
                seen = by_shape(lines)
                upload = select_lines(lines, "POST /v1/order/image", 200)
                self.assertEqual(len(upload), 1, seen)
                self.assertEqual(upload[0]["files"][0]["sha256"], sha256_of(image))
                self.assertEqual(len(select_lines(lines, "POST /v1/order", 200)), 1, seen)
                self.assertGreaterEqual(seen["GET /v1/order/:id"], 1, seen)
                self.assertEqual(len(select_lines(lines, "GET /cdn/results/*", 200)), 1, seen)
                # the service's widget list, read to check the job before the upload
                self.assertEqual(seen["GET /v1/catalog/items/filter"], 1, seen)
                self.assertEqual(sum(seen.values()), 4 + seen["GET /v1/order/:id"], seen)

    def autoenhance(self, *params, **switches):
        self.sb.reset(**switches)
        client = self.client(self.sb, vendor="autoenhance", api="v3")
        mark = self.sb.mark()
        image = variant(77)
        r = self.submit(client, image, *params)
        self.assertResult(r)
        lines = self.sb.since(mark)
        seen = by_shape(lines)
        self.assertEqual(len(select_lines(lines, "POST /v3/images/", 200)), 1, seen)
        put = select_lines(lines, "PUT /s3/*")
        self.assertEqual([(l["status"], l["origin"]) for l in put], [(200, "s3")])
        self.assertEqual(put[0]["files"][0]["sha256"], sha256_of(image))
        self.assertEqual(put[0]["files"][0]["content_type"], "image/jpeg")
        self.assertGreaterEqual(seen["GET /v3/images/:id"], 1, seen)
        # `status` finds the job by the image id the client chose
        image_id = put[0]["image_id"]
        self.assertEqual(r.named("job.submitted")[0]["remote_id"], image_id)
        s = self.run_client(client, "status", image_id).named("job.status")[0]
        self.assertEqual((s["job"], s["state"], s["service"]),
                         (r.named("job.created")[0]["job"], "done", "autoenhance"))
        return lines

    def test_autoenhance_plain(self):
        lines = self.autoenhance("--param", "enhance_type=warm", "--param", "privacy=true")
        enhanced = select_lines(lines, "GET /v3/images/:id/enhanced")
        self.assertEqual([(l["status"], l["origin"], l["query"]) for l in enhanced],
                         [(200, "api", "preview=false")])

    def test_autoenhance_redirected_result_goes_to_the_cdn_without_the_key(self):
        lines = self.autoenhance("--param", "enhance_type=neutral", redirect_enhanced=True)
        enhanced = select_lines(lines, "GET /v3/images/:id/enhanced")
        self.assertEqual([l["status"] for l in enhanced], [302])
        cdn = select_lines(lines, "GET /cdn/results/*")
        self.assertEqual([(l["status"], l["origin"], l["api_key_sent"]) for l in cdn],
                         [(200, "cdn", False)])

    def test_autoenhance_old_upload_url_field(self):
        self.autoenhance(upload_url_field="s3PutObjectUrl")


# -- faults --------------------------------------------------------------------------------------


def ts(line):
    return datetime.datetime.fromisoformat(line["ts"].replace("Z", "+00:00")).timestamp()


class FaultsTest(OneSandboxTestCase):
    """Each fault mode: the exit code, a plain message, and the request counts in the log."""

    def setUp(self):
        super().setUp()
        self.v3 = self.client(self.sb)
        self.mark = self.sb.mark()

    def lines(self):
        return self.sb.since(self.mark)

    def test_429_with_retry_after_is_retried_after_the_delay(self):
        self.sb.faults(fail_next={"path": "/v3/order", "method": "POST", "status": 429,
                                  "count": 1, "retry_after": 2})
        r = self.submit(self.v3, PHOTO, *STAGING)
        self.assertResult(r)
        orders = select_lines(self.lines(), "POST /v3/order")
        self.assertEqual([l["status"] for l in orders], [429, 201])
        self.assertGreaterEqual(ts(orders[1]) - ts(orders[0]), 2.0)
        retry = r.named("job.retry")
        self.assertEqual(len(retry), 1, r)
        self.assertGreaterEqual(retry[0]["delay_ms"], 2000)
        self.assertIn("rate limiting", r.stderr)
        self.assertEqual(self.sb.counts()["aihd_orders"], 1)

    def test_rate_limit_window_is_waited_out(self):
        self.sb.faults(rate_limit={"count": 1, "window_seconds": 3})
        self.assertResult(self.submit(self.v3, variant(81), *STAGING))
        r = self.submit(self.v3, variant(82), *STAGING)
        self.assertResult(r)
        orders = select_lines(self.lines(), "POST /v3/order")
        self.assertEqual([l["status"] for l in orders][0], 201)
        self.assertEqual([l["status"] for l in orders][-1], 201)
        self.assertEqual(orders[1]["status"], 429)
        self.assertEqual(orders[1]["fault"], "rate_limit")
        # the second order came once the window let it, not before
        self.assertGreaterEqual(ts(orders[-1]) - ts(orders[0]), 2.9)
        self.assertLessEqual(len(orders), 4, [l["status"] for l in orders])

    def test_5xx_is_retried(self):
        self.sb.faults(fail_next=[
            {"path": "/v3/process", "method": "POST", "status": 503, "count": 2},
            {"path": "/v3/process/*", "method": "GET", "status": 500, "count": 1},
            {"path": "/cdn/results/*", "method": "GET", "status": 502, "count": 1}])
        r = self.submit(self.v3, PHOTO, *STAGING)
        self.assertResult(r)
        lines = self.lines()
        self.assertEqual([l["status"] for l in select_lines(lines, "POST /v3/process")],
                         [503, 503, 201])
        self.assertEqual(select_lines(lines, "GET /v3/process/:id")[0]["status"], 500)
        self.assertEqual([l["status"] for l in select_lines(lines, "GET /cdn/results/*")],
                         [502, 200])
        self.assertEqual(len(r.named("job.retry")), 4, r)
        self.assertIn("the service failed (503)", r.stderr)
        self.assertEqual(self.sb.counts()["aihd_processes"], 1)

    def test_lost_answers_are_found_again_not_created_twice(self):
        # the call takes effect, then its answer is replaced by a 502
        self.sb.faults(fail_next=[
            {"path": path, "method": "POST", "status": 502, "count": 1, "when": "after"}
            for path in ("/v3/project", "/v3/order", "/v3/process")])
        r = self.submit(self.v3, PHOTO, *STAGING)
        self.assertResult(r)
        lines = self.lines()
        seen = by_shape(lines)
        for what in ("POST /v3/project", "POST /v3/order", "POST /v3/process"):
            self.assertEqual(seen[what], 1, seen)
        self.assertEqual(seen["GET /v3/project"], 1, seen)  # found by its address
        self.assertEqual(seen["GET /v3/project/:id/orders"], 1, seen)
        self.assertEqual(seen["GET /v3/order/:id"], 1, seen)  # the process, from the order
        c = self.sb.counts()
        self.assertEqual((c["aihd_projects"], c["aihd_orders"], c["aihd_processes"]), (1, 1, 1))

    def test_5xx_until_retries_run_out_keeps_the_job_and_resume_finishes_it(self):
        self.sb.faults(fail_next={"path": "/v3/process/*", "method": "GET", "status": 503,
                                  "count": -1})
        r = self.submit(self.v3, PHOTO, *STAGING, expect=3)
        self.assertIn("the job is kept", r.stderr)
        self.assertEqual(r.named("job.failed")[0]["resumable"], True)
        job = r.named("job.created")[0]["job"]
        polls = select_lines(self.lines(), "GET /v3/process/:id")
        self.assertEqual(len(polls), 6)  # retried, then given up for now
        self.assertEqual(self.v3.jobs()[job]["state"], "processing")
        self.sb.faults(fail_next=[])  # the service recovers
        r = self.run_client(self.v3, "jobs", "--resume")
        self.assertResult(r)
        seen = by_shape(self.lines())
        self.assertEqual((seen["POST /v3/order"], seen["POST /v3/process"]), (1, 1), seen)

    def test_connection_reset_mid_upload_is_retried(self):
        self.sb.faults(reset_upload=1)
        r = self.submit(self.v3, PHOTO, *STAGING)
        self.assertResult(r)
        orders = select_lines(self.lines(), "POST /v3/order")
        self.assertEqual([(l["status"], l.get("fault")) for l in orders],
                         [(0, "reset_upload"), (201, None)])
        self.assertEqual(self.sb.counts()["aihd_orders"], 1)

    # Regression (fixed): the HTTP client re-sends a request whose connection was reused and then closed
    # before any answer byte (net/http.cpp roundTrip, "stale" connection), whatever its method:
    # a POST /v3/order that reached the service, whose answer was lost on the way, is sent a
    # second time below the adapter (no pending-marker look-up), and the service makes a second
    # order. A non-idempotent request must not be re-sent blind (RFC 9110 9.2.2).
    def test_answer_lost_on_a_reused_connection_does_not_order_twice(self):
        proxy = CutProxy(self.sb)
        self.addCleanup(proxy.stop)
        client = Client(self.dir, self.sb)
        with open(client.config) as f:
            config = json.load(f)
        config["service"]["base_url"] = proxy.base
        with open(client.config, "w") as f:
            json.dump(config, f)
        proxy.arm("POST /v3/order", 20000)  # only the order's upload is that large
        r = self.submit(client, PHOTO, *STAGING, expect=None)
        self.assertEqual(proxy.cuts, 1)
        orders = select_lines(self.lines(), "POST /v3/order")
        self.assertEqual(self.sb.counts()["aihd_orders"], 1,
                         [(l["status"], l.get("order_id")) for l in orders])
        self.assertEqual(r.returncode, 0, r)

    # Regression (fixed): Autoenhance's reconcile (an image created but its answer lost) deletes the image and
    # reads the DELETE's 204 No Content as JSON: "delete the image left without an upload URL:
    # the answer is not JSON" (exit 3). The next `jobs --resume` gets over it (the image is
    # gone by then), but the submit itself fails. Seen in the Autoenhance crash test too.
    def test_lost_image_create_answer_is_reconciled(self):
        self.sb.faults(fail_next={"path": "/v3/images/", "method": "POST", "status": 502,
                                  "when": "after"})
        ae = self.client(self.sb, vendor="autoenhance")
        r = self.submit(ae, PHOTO, expect=None)
        lines = self.lines()
        self.assertEqual([l["status"] for l in select_lines(lines, "DELETE /v3/images/:id")],
                         [204])
        self.assertEqual(r.returncode, 0, r)
        self.assertResult(r)
        self.assertEqual(len(select_lines(lines, "PUT /s3/*", 200)), 1)
        self.assertEqual(self.sb.counts()["ae_images"], 1)

    def test_connection_reset_mid_presigned_put_is_retried(self):
        self.sb.faults(reset_upload={"count": 1, "path": "/s3/*", "method": "PUT"})
        ae = self.client(self.sb, vendor="autoenhance")
        r = self.submit(ae, PHOTO)
        self.assertResult(r)
        lines = self.lines()
        self.assertEqual([l["status"] for l in select_lines(lines, "PUT /s3/*")], [0, 200])
        self.assertEqual(len(select_lines(lines, "POST /v3/images/")), 1)

    def stalled(self):
        self.sb.faults(process_seconds=3600)
        client = self.client(self.sb, poll={"timeout_s": 1})
        r = self.submit(client, PHOTO, *STAGING, expect=None)
        self.assertIn("poll.timeout_s", r.stderr)
        self.assertIn("no result 1 s after submission", r.stderr)
        return client, r

    def test_stalled_processing_gives_up_after_poll_timeout(self):
        client, r = self.stalled()
        self.assertLess(r.seconds, 15)
        job = r.named("job.created")[0]["job"]
        self.assertEqual(client.jobs()[job]["state"], "failed")
        self.assertEqual(r.named("job.failed")[0]["resumable"], False)
        # a failed job is not resumed
        mark = self.sb.mark()
        self.run_client(client, "jobs", "--resume")
        self.assertEqual(self.sb.since(mark), [])

    # Regression (fixed): a job given up on after poll.timeout_s is failed (not resumable) but exits 3 (the
    # code for "network failure, job kept, resumable") instead of 1.
    def test_stalled_processing_exits_1(self):
        _, r = self.stalled()
        self.assertEqual(r.returncode, 1, r)

    def test_failed_process_is_exit_1(self):
        self.sb.faults(fail_processes=1)
        r = self.submit(self.v3, PHOTO, *STAGING, expect=1)
        self.assertIn("the service failed the job", r.stderr)
        self.assertEqual(r.named("job.failed")[0]["state"], "failed")
        seen = by_shape(self.lines())
        self.assertEqual((seen["POST /v3/order"], seen["POST /v3/process"]), (1, 1), seen)
        self.assertEqual(seen["GET /cdn/results/*"], 0)

    def test_bad_key_is_exit_4_after_one_request(self):
        self.run_client(self.v3, "catalog")  # the public tool list, cached
        for vendor, first, args in (("aihomedesign", "POST /v3/project", STAGING),
                                    ("autoenhance", "POST /v3/images/", [])):
            with self.subTest(vendor=vendor):
                mark = self.sb.mark()
                client = self.client(self.sb, vendor=vendor)
                r = self.submit(client, PHOTO, *args, key="sk-wrong-key", expect=4)
                self.assertIn("refused the API key (401)", r.stderr)
                self.assertIn("SNAPSTAGE_API_KEY", r.stderr)
                self.assertNotIn("sk-wrong-key", r.stdout + r.stderr)
                lines = self.sb.since(mark)
                self.assertEqual([(shape(l), l["status"]) for l in lines], [(first, 401)])

    def test_no_key_at_all_is_a_config_error_before_any_request(self):
        mark = self.sb.mark()
        r = self.submit(self.v3, PHOTO, *STAGING, key=None, expect=2)
        self.assertIn("SNAPSTAGE_API_KEY", r.stderr)
        self.assertEqual([shape(l) for l in self.sb.since(mark)
                          if shape(l) != "GET /api/tools"], [])

    def test_wrong_v3_widget_is_refused_before_any_request(self):
        # The client's catalog check matches the sandbox's, so a wrong v3 widget or item never
        # reaches the service (no 422 can be provoked): refused with the valid names instead.
        self.run_client(self.v3, "catalog")
        for args, names in ((["--param", "space=living-room", "--param", "style=gothic"],
                             "prime, modern, farmhouse"),
                            (["--param", "space=living-room", "--param", "style=modern",
                              "--param", "colour=pastel"], "space, style"),
                            (["--param", "space=living-room"], "needs a style")):
            with self.subTest(args=args):
                mark = self.sb.mark()
                r = self.submit(self.v3, PHOTO, *args, expect=2)
                self.assertIn(names, r.stderr)
                self.assertEqual(self.sb.since(mark), [])
        self.assertEqual(self.v3.job_dirs(), [])

    def test_422_past_the_catalog_check_is_not_retried(self):
        # The client leaves backsplash change's room optional (the vendor publishes no rule);
        # the sandbox requires it and answers 422 at the process.
        r = self.submit(self.v3, PHOTO, "--tool", "tool-backsplash-change", expect=4)
        self.assertIn("(422)", r.stderr)
        lines = self.lines()
        self.assertNoRetry(lines, "POST /v3/process")
        self.assertEqual(select_lines(lines, "POST /v3/process")[0]["status"], 422)
        self.assertEqual(r.named("job.retry"), [])
        job = r.named("job.created")[0]["job"]
        self.assertEqual(self.v3.jobs()[job]["state"], "failed")

    # Regression (fixed): v1 --tool/--param are not checked against the catalog before the upload (the
    # comment in cloud/catalog.cpp says the caller checks them; cmd_submit does not): a typo
    # fails only after the photo went up.
    def test_v1_wrong_widget_is_refused_before_the_upload(self):
        v1 = self.client(self.sb, api="v1", tool="service-ai-virtual-staging")
        r = self.submit(v1, PHOTO, "--param", "space_name=space-living-room",
                        "--param", "%s=%s" % ("a" * 24, "b" * 24), expect=None)
        self.assertEqual(select_lines(self.lines(), "POST /v1/order/image"), [])
        self.assertEqual(r.returncode, 2, r)

    # Regression (fixed): a tool's image slots are not checked before the upload: tool-darkness with one photo
    # (or tool-item-removal-mask without --mask) uploads, then fails with the service's 422.
    def test_missing_second_angle_is_refused_before_the_upload(self):
        r = self.submit(self.v3, PHOTO, "--tool", "tool-darkness",
                        "--param", "darkness-factor=factor-darker", expect=None)
        self.assertEqual(select_lines(self.lines(), "POST /v3/order"), [])
        self.assertEqual(r.returncode, 2, r)

    def presigned_put_403(self):
        # The presigned URL expires (1 s) while the PUT is held up (2 s): S3 answers 403.
        self.sb.faults(upload_url_expires=1, stall={"path": "/s3/*", "method": "PUT",
                                                     "seconds": 2, "mode": "before"})
        ae = self.client(self.sb, vendor="autoenhance")
        r = self.submit(ae, PHOTO, expect=4)
        lines = self.lines()
        self.assertNoRetry(lines, "PUT /s3/*")
        self.assertEqual(select_lines(lines, "PUT /s3/*")[0]["status"], 403)
        self.assertIn("(403)", r.stderr)
        self.assertIn("Request has expired", r.stderr)
        return r

    def test_403_on_the_presigned_put_is_exit_4_not_retried(self):
        self.presigned_put_403()

    # Regression (fixed): a 403 from the presigned upload URL (S3) is reported as "the service refused the API
    # key (403) ...: check service.api_key_file or SNAPSTAGE_API_KEY", though no key is sent
    # there and the key is fine: the URL had expired.
    def test_403_on_the_presigned_put_does_not_blame_the_api_key(self):
        r = self.presigned_put_403()
        self.assertNotIn("API key", r.stderr)

    def test_302_on_the_result_is_followed_to_the_cdn(self):
        self.sb.faults(redirect_enhanced=True)
        ae = self.client(self.sb, vendor="autoenhance")
        self.assertResult(self.submit(ae, PHOTO))
        lines = self.lines()
        self.assertEqual([l["status"] for l in select_lines(lines, "GET /v3/images/:id/enhanced")],
                         [302])
        self.assertEqual([(l["origin"], l["api_key_sent"])
                          for l in select_lines(lines, "GET /cdn/results/*")], [("cdn", False)])

    def test_api_key_file_mode_is_checked_and_the_key_never_leaks(self):
        secret = tempfile.mkdtemp(prefix="snapstage-key-")
        self.addCleanup(shutil.rmtree, secret, True)
        key_file = os.path.join(secret, "api-key")
        with open(key_file, "w") as f:
            f.write(KEY + "\n")
        os.chmod(key_file, 0o644)
        client = self.client(self.sb, extra={"service": {"api_key_file": key_file}})
        mark = self.sb.mark()
        r = self.submit(client, PHOTO, *STAGING, key=None, expect=2)
        self.assertIn("api_key_file", r.stderr)
        self.assertEqual([l for l in self.sb.since(mark) if shape(l) != "GET /api/tools"], [])
        os.chmod(key_file, 0o600)
        r = self.submit(client, PHOTO, *STAGING, key=None)
        self.assertResult(r)
        r = self.run_client(client, "status", r.named("job.created")[0]["job"],
                            json_events=False)
        self.assertIn("state    done", r.stdout)


# -- the spool: status, jobs, damage, resume, interrupts -------------------------------------------


class SpoolTest(JobsTestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = cls.start(process_seconds=0.5)
        cls.sandboxes = (cls.sb,)

    def setUp(self):
        super().setUp()
        self.sb.reset()
        self.v3 = self.client(self.sb)

    def test_status_by_local_and_remote_id(self):
        r = self.submit(self.v3, PHOTO, *STAGING)
        [result] = self.assertResult(r)
        job = r.named("job.created")[0]["job"]
        remote = r.named("job.submitted")[0]["remote_id"]
        order = [l for l in self.sb.log() if shape(l) == "POST /v3/order"][-1]["order_id"]
        for ident in (job, remote, order):
            with self.subTest(ident=ident):
                s = self.run_client(self.v3, "status", ident)
                [e] = s.named("job.status")
                self.assertEqual((e["job"], e["state"], e["remote_id"], e["results"]),
                                 (job, "done", remote, 1))
                self.assertEqual(e["tool"], "tool-virtual-staging")
                text = self.run_client(self.v3, "status", ident, json_events=False).stdout
                self.assertIn("job      %s" % job, text)
                self.assertIn("state    done", text)
                self.assertIn("result   %s" % result, text)
        r = self.run_client(self.v3, "status", "0" * 24, expect=5)
        self.assertIn("no job", r.stderr)
        self.run_client(self.v3, "status", expect=2)

    def test_the_next_submit_resumes_the_tls_sessions_the_last_one_kept(self):
        # Given a submit that made full handshakes with the API and the CDN
        first = self.sb.mark()
        self.submit(self.v3, variant(85), *STAGING)
        # Then its sessions are kept in the spool, readable by this user only
        for name in ("tls-sessions-api", "tls-sessions-other"):
            path = os.path.join(self.v3.spool, name)
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o600, name)
        # When the next submit (another process) runs
        second = self.sb.mark()
        self.submit(self.v3, variant(86), *STAGING)
        lines = self.sb.log()
        conns_first = {l["conn"] for l in lines[first:second] if l["vendor"] != "admin"}
        conns_second = {l["conn"] for l in lines[second:] if l["vendor"] != "admin"}
        # Then its connections are resumed, the first process's were not (the sandbox's
        # connection log says which)
        deadline = time.time() + 10
        while True:  # the sandbox logs a connection once it has closed
            with open(self.sb.info["conn_log_file"]) as f:
                conns = {c["conn"]: c for c in map(json.loads, filter(str.strip, f))}
            if conns_first | conns_second <= set(conns) or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertTrue(conns_second, "the second submit made no connection")
        self.assertFalse(any(conns[c]["tls_resumed"] for c in conns_first))
        self.assertTrue(all(conns[c]["tls_resumed"] for c in conns_second),
                        [conns[c] for c in conns_second])

    def test_jobs_lists_every_job(self):
        done = self.submit(self.v3, variant(83), *STAGING).named("job.created")[0]["job"]
        waiting = self.submit(self.v3, variant(84), *STAGING, "--no-wait")
        waiting = waiting.named("job.created")[0]["job"]
        listed = self.v3.jobs()
        self.assertEqual(set(listed), {done, waiting})
        self.assertEqual(listed[done]["state"], "done")
        self.assertEqual(listed[waiting]["state"], "processing")
        for e in listed.values():
            self.assertEqual((e["service"], e["api"], e["tool"]),
                             ("aihomedesign", "v3", "tool-virtual-staging"))
            self.assertLess(e["age_s"], 120)
        text = self.run_client(self.v3, "jobs", json_events=False).stdout
        self.assertRegex(text, r"JOB\s+STATE\s+AGE\s+SERVICE\s+TOOL")
        self.assertRegex(text, r"%s\s+done\s+\d+s\s+aihomedesign v3\s+tool-virtual-staging"
                         % done)
        empty = self.client(self.sb, spool=os.path.join(self.dir, "empty"))
        self.assertIn("no jobs", self.run_client(empty, "jobs", json_events=False).stderr)

    def test_no_wait_then_resume_completes(self):
        mark = self.sb.mark()
        r = self.submit(self.v3, PHOTO, *STAGING, "--no-wait")
        self.assertIn("jobs --resume", r.stderr)
        self.assertEqual(r.named("result.saved"), [])
        job = r.named("job.created")[0]["job"]
        seen = by_shape(self.sb.since(mark))
        self.assertEqual((seen["POST /v3/process"], seen["GET /v3/process/:id"]), (1, 0), seen)
        r = self.run_client(self.v3, "jobs", "--resume")
        self.assertResult(r)
        self.assertEqual(r.named("job.done")[0]["job"], job)
        seen = by_shape(self.sb.since(mark))
        self.assertEqual((seen["POST /v3/order"], seen["POST /v3/process"]), (1, 1), seen)
        # nothing left to do: a second resume sends nothing
        mark = self.sb.mark()
        self.run_client(self.v3, "jobs", "--resume")
        self.assertEqual(self.sb.since(mark), [])

    def test_damaged_job_json_is_moved_aside_and_the_rest_works(self):
        a = self.submit(self.v3, variant(85), *STAGING).named("job.created")[0]["job"]
        b = self.submit(self.v3, variant(86), *STAGING, "--no-wait")
        b = b.named("job.created")[0]["job"]
        path = os.path.join(self.v3.spool, "jobs", a, "job.json")
        with open(path, "rb") as f:
            text = f.read()
        with open(path, "wb") as f:
            f.write(text[:len(text) // 2])  # cut short, as by a power loss
        r = self.run_client(self.v3, "jobs", "--resume")
        self.assertRegex(r.stderr, r"job %s: job.json is damaged \(.+\); moved aside to \S+"
                         % a)
        self.assertEqual([e["job"] for e in r.named("job.listed")], [b])
        self.assertResult(r)
        damaged = os.listdir(os.path.join(self.v3.spool, "damaged"))
        self.assertEqual(len(damaged), 1)
        self.assertTrue(damaged[0].startswith(a))
        self.assertEqual(self.v3.job_dirs(), [b])
        r = self.run_client(self.v3, "status", a, expect=5)
        self.assertResult(self.submit(self.v3, variant(87), *STAGING))
        self.assertEqual(len(self.v3.jobs()), 2)

    def age_job(self, client, job, days):
        """Makes `job` look made and last saved `days` ago: its record's times and its id (which
        holds the time it was made, as the spool names jobs). Returns the new id."""
        then = int(time.time()) - days * 86400
        new = time.strftime("%Y%m%d-%H%M%S", time.gmtime(then)) + job[15:]
        jobs_dir = os.path.join(client.spool, "jobs")
        os.rename(os.path.join(jobs_dir, job), os.path.join(jobs_dir, new))
        path = os.path.join(jobs_dir, new, "job.json")
        with open(path) as f:
            record = json.load(f)
        record["id"] = new
        record["created"] = record["updated"] = then
        with open(path, "w") as f:
            json.dump(record, f)
        return new

    def test_old_finished_jobs_are_pruned_unfinished_ones_never(self):
        done = self.submit(self.v3, variant(88), *STAGING).named("job.created")[0]["job"]
        waiting = self.submit(self.v3, variant(89), *STAGING, "--no-wait")
        waiting = waiting.named("job.created")[0]["job"]
        done = self.age_job(self.v3, done, 30)
        waiting = self.age_job(self.v3, waiting, 30)
        r = self.run_client(self.v3, "jobs", json_events=False)
        self.assertIn("removed 1 finished job(s) older than 7 days", r.stderr)
        self.assertEqual(self.v3.job_dirs(), [waiting])
        self.assertEqual(list(self.v3.jobs()), [waiting])

    def test_a_submit_prunes_old_finished_jobs_too(self):
        # A box that runs a submit per photo never runs `jobs`: its spool must not fill up.
        old = self.submit(self.v3, variant(90), *STAGING).named("job.created")[0]["job"]
        old = self.age_job(self.v3, old, 8)
        recent = self.submit(self.v3, variant(91), *STAGING)
        self.assertIn("removed 1 finished job(s) older than 7 days", recent.stderr)
        recent = recent.named("job.created")[0]["job"]
        self.assertEqual(self.v3.job_dirs(), [recent])

    # Regression (fixed): a SIGKILL after the process was created and saved (remote.submitted) but before the
    # runner saved submitted_at and the state "processing" leaves submitted_at 0 in job.json;
    # `jobs --resume` then skips the submit steps, polls once and fails the job at once with
    # "no result 60 s after submission (poll.timeout_s): gave up" (exit 3), though the service
    # finishes it. The record below is exactly what such a kill leaves (seen in the crash test).
    def test_kill_between_the_process_and_the_processing_state_resumes(self):
        r = self.submit(self.v3, PHOTO, *STAGING, "--no-wait")
        job = r.named("job.created")[0]["job"]
        path = os.path.join(self.v3.spool, "jobs", job, "job.json")
        with open(path) as f:
            record = json.load(f)
        self.assertTrue(record["remote"]["submitted"])
        record["state"], record["submitted_at"] = "submitting", 0
        with open(path, "w") as f:
            json.dump(record, f)
        r = self.run_client(self.v3, "jobs", "--resume", expect=None)
        self.assertNotIn("poll.timeout_s", r.stderr)
        self.assertEqual(r.returncode, 0, r)
        self.assertResult(r)

    def interrupt_while_polling(self, sig):
        self.sb.faults(process_seconds=4)
        mark = self.sb.mark()
        tail = LogTail(self.sb.log_file)
        proc = self.v3.popen("submit", PHOTO, *STAGING)
        deadline = time.monotonic() + 30
        while not any(shape(l) == "GET /v3/process/:id" for l in tail.new_lines()):
            self.assertLess(time.monotonic(), deadline, "no poll seen")
            time.sleep(0.02)
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=30)
        proc.err_file.seek(0)
        err = proc.err_file.read()
        proc.err_file.close()
        self.runs.append(Run(proc.args, proc.returncode, out.decode(), err, 0))
        self.assertEqual(proc.returncode, 130, err)
        self.assertIn("interrupted", err)
        job = json.loads(out.decode().splitlines()[0])["job"]
        self.assertEqual(self.v3.jobs()[job]["state"], "processing")
        r = self.run_client(self.v3, "jobs", "--resume")
        self.assertResult(r)
        seen = by_shape(self.sb.since(mark))
        self.assertEqual((seen["POST /v3/order"], seen["POST /v3/process"]), (1, 1), seen)

    def test_sigint_while_polling_is_130_and_resume_completes(self):
        self.interrupt_while_polling(signal.SIGINT)

    def test_sigterm_while_polling_is_130_and_resume_completes(self):
        self.interrupt_while_polling(signal.SIGTERM)


class CatalogTest(JobsTestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = cls.start()
        cls.sandboxes = (cls.sb,)

    def setUp(self):
        super().setUp()
        self.v3 = self.client(self.sb)

    def test_tool_typo_fails_fast_with_the_valid_names(self):
        mark = self.sb.mark()
        r = self.submit(self.v3, PHOTO, "--tool", "tool-virtual-stagin", *STAGING, expect=2)
        self.assertLess(r.seconds, 5)
        self.assertIn('unknown tool "tool-virtual-stagin"', r.stderr)
        for tool in V3_TOOLS:
            self.assertIn(tool, r.stderr)
        self.assertIn("see 'snapstage submit --help'", r.stderr)
        self.assertEqual(r.named("error")[0]["code"], "usage")
        # at most the public tool list was read; nothing uploaded, no job made
        self.assertEqual([shape(l) for l in self.sb.since(mark)
                          if shape(l) != "GET /api/tools"], [])
        self.assertEqual(self.v3.job_dirs(), [])

    def test_unavailable_tool_is_refused(self):
        mark = self.sb.mark()
        r = self.submit(self.v3, PHOTO, "--tool", "tool-sky-change", expect=2)
        self.assertIn('does not offer the tool "tool-sky-change"', r.stderr)
        self.assertEqual([shape(l) for l in self.sb.since(mark)
                          if shape(l) != "GET /api/tools"], [])

    def test_autoenhance_setting_typo_fails_fast(self):
        ae = self.client(self.sb, vendor="autoenhance")
        mark = self.sb.mark()
        r = self.submit(ae, PHOTO, "--param", "enhance_type=hot", expect=2)
        self.assertIn("property, property_usa, warm, neutral, authentic", r.stderr)
        r = self.submit(ae, PHOTO, "--param", "enhance_typ=warm", expect=2)
        self.assertIn("enhance_type", r.stderr)
        self.assertEqual(self.sb.since(mark), [])

    def test_catalog_lists_tools_and_caches_availability(self):
        mark = self.sb.mark()
        r = self.run_client(self.v3, "catalog", "--refresh")
        tools = {e["tool"]: e["available"] for e in r.named("catalog.tool")}
        live = {t["slug"]: t["isActive"] for t in self.sb.get("/api/tools", key=None)["data"]}
        self.assertEqual(tools, live)
        settings = {(e["tool"], e["key"]) for e in r.named("catalog.setting")}
        self.assertIn(("tool-virtual-staging", "space"), settings)
        self.assertEqual(by_shape(self.sb.since(mark)), {"GET /api/tools": 2})  # ours + client's
        mark = self.sb.mark()
        text = self.run_client(self.v3, "catalog", json_events=False).stdout
        self.assertIn("tool-sky-change  Sky change  (not available)", text)
        self.assertIn("availability read from the service", text)
        self.assertEqual(self.sb.since(mark), [])  # from the cache
        r = self.run_client(self.client(self.sb, vendor="autoenhance"), "catalog")
        self.assertIn("enhance_type", [e["key"] for e in r.named("catalog.setting")])
        r = self.run_client(self.client(self.sb, api="v1"), "catalog")
        self.assertIn("space-living-room", [e["space"] for e in r.named("catalog.space")])


# -- crashes -------------------------------------------------------------------------------------

# Where a SIGKILL lands: after a random delay, on a --json event of the client, or right after
# the sandbox logged (answered) a given request.
COMMON_TRIGGERS = [
    ("delay", None), ("delay", None), ("delay", None),
    ("event", "job.created"), ("event", "upload.progress"), ("event", "job.submitted"),
    ("event", "job.status"), ("event", "download.progress"),
]
V3_TRIGGERS = COMMON_TRIGGERS + [
    ("log", "POST /v3/project"), ("log", "POST /v3/order"), ("log", "POST /v3/process"),
    ("log", "GET /v3/process/:id"), ("log", "GET /cdn/results/*"), ("log", "GET /v3/project"),
    ("log", "GET /v3/project/:id/orders"), ("log", "GET /v3/order/:id"),
]
AE_TRIGGERS = COMMON_TRIGGERS + [
    ("log", "POST /v3/images/"), ("log", "PUT /s3/*"), ("log", "GET /v3/images/:id"),
    ("log", "GET /v3/images/:id/enhanced"), ("log", "DELETE /v3/images/:id"),
]


class CrashTestCase(JobsTestCase):
    """SIGKILL at many random points over a run of jobs, each with its own photo; `jobs
    --resume` (itself killed too) until every job is done. The subclasses check, from the
    sandbox, that nothing was created twice."""

    JOBS = 12
    KILLS = 50
    TRIGGERS = V3_TRIGGERS
    FORCED = ()
    SUBMIT_ARGS = ()
    STALL = None

    @classmethod
    def setUpClass(cls):
        cls.sb = cls.start(process_seconds=1.0)
        # downloads take a while (half the body, a pause, the rest): kills land inside them
        cls.sb.faults(stall={"path": cls.STALL, "method": "GET", "seconds": 0.4, "count": -1,
                             "mode": "mid_body"})
        cls.sandboxes = (cls.sb,)

    def kill_run(self, client, args, trigger, rng):
        """Runs snapstage; SIGKILLs it when the trigger fires. Returns (killed, run)."""
        tail = LogTail(self.sb.log_file)
        proc = client.popen(*args)
        kind, what = trigger
        delay = rng.uniform(0.02, 1.0) if kind == "delay" else None
        start = time.monotonic()
        out = b""
        fired = False
        while proc.poll() is None and not fired:
            ready, _, _ = select.select([proc.stdout], [], [], 0.005)
            if ready:
                out += os.read(proc.stdout.fileno(), 65536)
            if kind == "delay":
                fired = time.monotonic() - start >= delay
            elif kind == "event":
                fired = ('"event":"%s"' % what).encode() in out
            else:
                fired = any(shape(l) == what for l in tail.new_lines())
            self.assertLess(time.monotonic() - start, 60, "snapstage ran for a minute")
        if fired and rng.random() < 0.5:
            time.sleep(rng.uniform(0, 0.03))
        killed = proc.poll() is None
        if killed:
            proc.kill()
        rest, _ = proc.communicate(timeout=30)
        out += rest
        proc.err_file.seek(0)
        err = proc.err_file.read()
        proc.err_file.close()
        run = Run(proc.args, proc.returncode, out.decode(errors="replace"), err, 0)
        self.runs.append(run)
        if not killed:
            # ran to its end before the trigger: it must have succeeded
            self.assertEqual(proc.returncode, 0, run)
        return killed, run

    def finished(self, client):
        return all(e["state"] == "done" for e in client.jobs().values())

    def crash_run(self, client):
        """Submits JOBS or more photos and resumes them, with KILLS or more SIGKILLs in all.
        Returns ({photo: whether its submit said job.created}, note)."""
        seed = int(os.environ.get("SNAPSTAGE_CRASH_SEED", time.time_ns() % 1000000))
        rng = random.Random(seed)
        note = "%s seed %d (SNAPSTAGE_CRASH_SEED to repeat)" % (type(self).__name__, seed)
        print(note, file=sys.stderr)
        verbose = bool(os.environ.get("SNAPSTAGE_CRASH_VERBOSE"))
        # larger photos (1280x800) so that uploads and downloads take a little time
        images = (variant(q, "2/1") for q in range(20, 100))  # distinct sha256s, made as needed
        submitted, kills, phases = {}, 0, collections.Counter()
        forced = list(self.FORCED)  # the first submits are each cut in one phase, for sure
        start = time.monotonic()

        def attempt(args, trigger):
            nonlocal kills
            t0 = time.monotonic()
            killed, run = self.kill_run(client, args, trigger, rng)
            if killed:
                kills += 1
                phases[trigger[1] or "delay"] += 1
            if verbose:
                print("%6.1f %-6s %-28s %-5s %.2f s" % (time.monotonic() - start, args[0],
                                                       trigger[1], killed, time.monotonic() - t0),
                      file=sys.stderr)
            self.assertLess(time.monotonic() - start, 420, note)
            return run

        while True:
            if self.finished(client):
                if kills >= self.KILLS and len(submitted) >= self.JOBS:
                    break
                # a batch of new jobs, each submit killed somewhere (or let through)
                for _ in range(3):
                    image = next(images)
                    trigger = forced.pop(0) if forced else rng.choice(self.TRIGGERS)
                    run = attempt(["submit", image] + list(self.SUBMIT_ARGS), trigger)
                    submitted[image] = bool(run.named("job.created"))
            else:
                # carry them on, killed again at a random point
                trigger = ("delay", None) if rng.random() < 0.5 else rng.choice(self.TRIGGERS)
                run = attempt(["jobs", "--resume"], trigger)
                if run.returncode == 0:
                    # a resume that ran to its end leaves every job done
                    states = {j: e["state"] for j, e in client.jobs().items()}
                    self.assertEqual(set(states.values()), {"done"}, (note, states))
        print("%d kills over %d jobs in %.0f s: %s" % (kills, len(submitted),
                                                        time.monotonic() - start,
                                                        dict(phases)), file=sys.stderr)
        self.assertGreaterEqual(kills, self.KILLS, note)
        for kind, phase in self.FORCED:
            self.assertGreaterEqual(phases[phase], 1, (note, phases))
        return submitted, note

    def check_spool(self, client, submitted, note):
        """Each photo whose submit said job.created is one job in the spool, done, with a
        result that decodes. A submit killed before that may have left nothing (or a folder
        without job.json, moved aside); such a photo must then have reached no service.
        Returns the sha256s of the photos that are jobs."""
        by_input = {}
        for job, e in client.jobs().items():
            folder = os.path.join(client.spool, "jobs", job)
            by_input.setdefault(sha256_of(os.path.join(folder, "input-1.jpg")), []).append(job)
            self.assertEqual(e["state"], "done", (note, job))
            self.assertEqual(jpeg_size(os.path.join(folder, "result-1.jpg")), (1280, 800))
        self.assertTrue(all(len(v) == 1 for v in by_input.values()), (note, by_input))
        acknowledged = {sha256_of(p) for p, created in submitted.items() if created}
        self.assertLessEqual(acknowledged, set(by_input), note)
        self.assertLessEqual(set(by_input), {sha256_of(p) for p in submitted}, note)
        unacknowledged = len(submitted) - len(by_input)
        self.assertLessEqual(len(os.listdir(os.path.join(client.spool, "damaged"))),
                             unacknowledged, note)
        return set(by_input)


class CrashTest(CrashTestCase):
    """AI HomeDesign v3: one order per input, at most one process per order, one project per
    job, every result present and decoding."""

    SUBMIT_ARGS = STAGING
    STALL = "/cdn/results/*"
    FORCED = [("event", "upload.progress"), ("log", "POST /v3/order"),
              ("event", "job.status"), ("event", "download.progress")]

    def test_sigkill_at_random_points_then_resume_never_orders_twice(self):
        client = self.client(self.sb)
        mark = self.sb.mark()
        submitted, note = self.crash_run(client)
        wanted = self.check_spool(client, submitted, note)
        lines = self.sb.since(mark)
        # Exactly one order per distinct input, whatever was cut.
        orders = collections.defaultdict(set)
        for l in select_lines(lines, "POST /v3/order"):
            if l.get("order_id"):
                orders[l["files"][0]["sha256"]].add(l["order_id"])
        self.assertEqual(set(orders), wanted, note)
        for sha, ids in orders.items():
            self.assertEqual(len(ids), 1, (note, sha, ids))
        state = self.sb.admin("state")["aihomedesign"]
        self.assertEqual(len(state["orders"]), len(wanted), note)
        # At most (here: exactly) one process per order, by the log and by the service.
        per_order = collections.Counter(l["order_id"] for l in
                                        select_lines(lines, "POST /v3/process", 201))
        self.assertTrue(all(n == 1 for n in per_order.values()), (note, per_order))
        for order in state["orders"]:
            o = self.sb.get("/v3/order/" + order)
            o = o.get("data", o)
            self.assertEqual(len(o["processes"]), 1, (note, order))
        # One project per job.
        self.assertEqual(len(state["projects"]), len(wanted), note)


class AutoenhanceCrashTest(CrashTestCase):
    """Autoenhance: one image kept per input (an image created without its upload URL reaching
    us is deleted, not left behind), uploaded once to one image id."""

    KILLS = 25
    JOBS = 8
    TRIGGERS = AE_TRIGGERS
    STALL = "/v3/images/*/enhanced"
    FORCED = [("log", "POST /v3/images/"), ("event", "upload.progress"),
              ("event", "job.status"), ("event", "download.progress")]

    def test_sigkill_at_random_points_then_resume_keeps_one_image_per_input(self):
        client = self.client(self.sb, vendor="autoenhance")
        mark = self.sb.mark()
        submitted, note = self.crash_run(client)
        wanted = self.check_spool(client, submitted, note)
        lines = self.sb.since(mark)
        uploaded = collections.defaultdict(set)
        for l in select_lines(lines, "PUT /s3/*", 200):
            uploaded[l["files"][0]["sha256"]].add(l["image_id"])
        self.assertEqual(set(uploaded), wanted, note)
        for sha, ids in uploaded.items():
            self.assertEqual(len(ids), 1, (note, sha, ids))
        images = self.sb.admin("state")["autoenhance"]["images"]
        self.assertEqual(sorted(images), sorted(i for ids in uploaded.values() for i in ids),
                         note)


def main():
    global BIN, DATA, PHOTO
    if len(sys.argv) < 3:
        print("usage: jobs_test.py SNAPSTAGE DATA_DIR [unittest arguments]", file=sys.stderr)
        return 2
    BIN = os.path.abspath(sys.argv[1])
    DATA = os.path.abspath(sys.argv[2])
    PHOTO = os.path.join(DATA, "photos", "lakeside-640.jpg")
    missing = [t for t in ("djpeg", "cjpeg", "openssl") if not shutil.which(t)]
    if missing:
        print("missing tools: %s" % ", ".join(missing), file=sys.stderr)
        return 1
    try:
        unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
    finally:
        shutil.rmtree(os.path.join(tempfile.gettempdir(),
                                   "snapstage-jobs-images-%d" % os.getpid()), ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
