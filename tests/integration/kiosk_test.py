#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Integration tests of the kiosk: `snapstage demo` end to end (the result screen must show the
# processed image: its pixels are compared with the downloaded result), the control socket
# driven as a HIL rig drives it, photos taken without a network going out once it is back,
# `show --hold` (its end on SIGTERM, its refusals) with the drm display's words where it is
# missing, and the live preview of a streaming camera on the ready screen (the colour bars where
# the screen says the preview is, moving from frame to frame; presses read between its frames;
# a press still takes the photo). Usage: kiosk_test.py SNAPSTAGE DATA_DIR
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = None
DATA = None


def read_png(path):
    """(width, height, rows of RGB bytes) of an 8-bit RGB PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    i, idat, w, h = 8, b"", 0, 0
    while i < len(data):
        n = struct.unpack(">I", data[i:i + 4])[0]
        kind, body = data[i + 4:i + 8], data[i + 8:i + 8 + n]
        if kind == b"IHDR":
            w, h = struct.unpack(">II", body[:8])
            assert body[8:10] == b"\x08\x02", "8-bit RGB"
        elif kind == b"IDAT":
            idat += body
        i += 12 + n
    raw = zlib.decompress(idat)
    rows = []
    for y in range(h):
        line = raw[y * (3 * w + 1):(y + 1) * (3 * w + 1)]
        assert line[0] == 0, "filter none"
        rows.append(line[1:])
    return w, h, rows


def djpeg(path, scale):
    out = subprocess.run(["djpeg", "-scale", scale, "-pnm", path], capture_output=True,
                         check=True).stdout
    parts = out.split(b"\n", 3)
    w, h = map(int, parts[1].split())
    return w, h, parts[3]


def events_of(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sandbox:
    def __init__(self, state, port=0):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "tools/sandbox/sandbox.py"), "--port", str(port),
             "--state", state, "--quiet", "--process-seconds", "0.5"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.line = json.loads(self.proc.stdout.readline())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class KioskTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="snapstage-kiosk-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def config(self, base_url, ca_file):
        path = os.path.join(self.dir, "snapstage.json")
        with open(path, "w") as f:
            json.dump({"service": {"base_url": base_url, "widgets": {
                "widget-space-tool-virtual-staging": [
                    "item-bedroom-widget-space-tool-virtual-staging"],
                "widget-style-tool-virtual-staging": [
                    "item-modern-widget-style-tool-virtual-staging"]}},
                "tls": {"ca_file": ca_file},
                "spool": {"dir": os.path.join(self.dir, "spool")},
                "display": {"backend": "file", "device": os.path.join(self.dir, "screens"),
                            "width": 800, "height": 480},
                "camera": {"backend": "file",
                           "device": os.path.join(DATA, "photos", "lakeside-640.jpg")},
                "poll": {"min_interval_s": 0.1, "max_interval_s": 0.5}}, f)
        return path

    def test_demo_shows_the_processed_result_beside_the_photo(self):
        out = os.path.join(self.dir, "demo")
        r = subprocess.run([BIN, "--json", "demo", "--out", out], capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        events = events_of(r.stdout)
        done = [e for e in events if e["event"] == "demo.done"][0]
        shown = [e for e in events if e["event"] == "screen.shown"]
        kinds = [e["screen"] for e in shown]
        for k in ("ready", "countdown", "capture" if "capture" in kinds else "uploading",
                  "processing", "result"):
            self.assertIn(k, kinds)
        result = [e for e in shown if e["screen"] == "result"][-1]
        w, h, rows = read_png(done["result_screen"])
        self.assertEqual((w, h), (1280, 720))  # the host board's screen
        # The right-hand picture is the downloaded result, scaled as the decoder scales.
        x, y, aw, ah = (result[k] for k in ("after_x", "after_y", "after_w", "after_h"))
        self.assertGreater(aw, 0)
        rw, rh, rgb = djpeg(done["result"], "%d/8" % round(aw * 8 / 640))
        self.assertEqual((rw, rh), (aw, ah))
        diff = total = 0
        for yy in range(0, ah, 7):
            shown_row = rows[y + yy][3 * x:3 * (x + aw)]
            ref_row = rgb[3 * rw * yy:3 * rw * (yy + 1)]
            diff += sum(abs(a - b) for a, b in zip(shown_row, ref_row))
            total += len(ref_row)
        self.assertLess(diff / total, 2.0, "the screen shows the result's pixels")
        # And the left-hand picture is the photo, which differs from the result.
        bx, by = result["before_x"], result["before_y"]
        before = rows[by + 2][3 * bx:3 * (bx + aw)]
        after = rows[y + 2][3 * x:3 * (x + aw)]
        self.assertGreater(sum(abs(a - b) for a, b in zip(before, after)) / len(after), 10)

    def test_the_control_socket_drives_the_kiosk_as_a_rig_would(self):
        sandbox = Sandbox(os.path.join(self.dir, "sandbox"))
        self.addCleanup(sandbox.stop)
        config = self.config(sandbox.line["base_url"], sandbox.line["ca_file"])
        sock_path = os.path.join(self.dir, "control")
        env = dict(os.environ, SNAPSTAGE_API_KEY="sandbox-key")
        proc = subprocess.Popen([BIN, "-c", config, "run", "--input", "null", "--control",
                                 sock_path, "--countdown", "0"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        for _ in range(200):
            if os.path.exists(sock_path):
                break
            time.sleep(0.05)
        self.assertEqual(os.stat(sock_path).st_mode & 0o777, 0o660)
        c = socket.socket(socket.AF_UNIX)
        c.connect(sock_path)
        c.settimeout(60)
        reader = c.makefile("r")

        def wait_for(name):
            for line in reader:
                e = json.loads(line)
                if e["event"] == name:
                    return e
            self.fail(f"no {name} event")

        c.sendall(b'{"cmd": "status"}\n')
        self.assertEqual(wait_for("kiosk.status")["state"], "ready")
        c.sendall(b'{"cmd": "bogus"}\n')
        self.assertEqual(wait_for("error")["code"], "usage")
        c.sendall(b'{"cmd": "capture"}\n')
        result = wait_for("kiosk.result")
        self.assertTrue(os.path.exists(result["after"]))
        c.sendall(b'{"cmd": "quit"}\n')
        self.assertEqual(proc.wait(timeout=30), 0, proc.stderr.read())

    def test_photos_taken_offline_go_out_when_the_network_is_back(self):
        state = os.path.join(self.dir, "sandbox")
        port = free_port()
        first = Sandbox(state, port)  # makes the CA; then the "network" goes away
        base, ca = first.line["base_url"], first.line["ca_file"]
        first.stop()
        config = self.config(base, ca)
        env = dict(os.environ, SNAPSTAGE_API_KEY="sandbox-key")
        proc = subprocess.Popen([BIN, "-c", config, "--json", "run", "--input",
                                 "script:press@200+quit@60000", "--countdown", "0",
                                 "--retry-seconds", "1", "--result-seconds", "1"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        seen, back = [], None
        for line in proc.stdout:
            e = json.loads(line)
            seen.append(e)
            if e["event"] == "kiosk.error" and back is None:
                self.assertIn("No network", e["message"])
                back = Sandbox(state, port)
                self.addCleanup(back.stop)
            if e["event"] == "kiosk.result":
                break
        self.assertIsNotNone(back, "the kiosk said the network was gone")
        self.assertTrue(any(e["event"] == "kiosk.result" for e in seen), seen[-5:])
        proc.kill()
        proc.wait()
        with open(back.line["log_file"]) as f:
            orders = [json.loads(x) for x in f if '"/v3/order"' in x and '"POST"' in x]
        self.assertEqual(len(orders), 1)
        # The kiosk's metrics file counts the job done and the runs the outage cut short
        with open(os.path.join(self.dir, "spool", "metrics", "snapstage.prom")) as f:
            metrics = dict(l.rsplit(" ", 1) for l in f.read().splitlines() if l[:1] != "#")
        self.assertEqual(metrics['snapstage_jobs{state="done"}'], "1")
        self.assertEqual(metrics["snapstage_job_duration_seconds_count"], "1")
        self.assertGreaterEqual(int(metrics['snapstage_job_failures_total{cause="network"}']), 1)
        self.assertGreater(int(metrics["snapstage_last_success_timestamp_seconds"]), 0)
        self.assertEqual(metrics["snapstage_upload_duration_seconds_count"], "1")

    def test_the_kiosk_prunes_old_finished_jobs_at_start(self):
        # A kiosk runs for months and nothing else runs `jobs`: it removes finished jobs older
        # than spool.keep_days (7 by default) itself, and never an unfinished one.
        sandbox = Sandbox(os.path.join(self.dir, "sandbox"))
        self.addCleanup(sandbox.stop)
        config = self.config(sandbox.line["base_url"], sandbox.line["ca_file"])
        jobs = os.path.join(self.dir, "spool", "jobs")

        def job(days, state):
            then = int(time.time()) - days * 86400
            job_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime(then)) + "-%06x" % days
            os.makedirs(os.path.join(jobs, job_id))
            shutil.copy(os.path.join(DATA, "photos", "lakeside-640.jpg"),
                        os.path.join(jobs, job_id, "input-1.jpg"))
            with open(os.path.join(jobs, job_id, "job.json"), "w") as f:
                json.dump({"format": 1, "id": job_id, "state": state, "vendor": "aihomedesign",
                           "api": "v3", "created": then, "updated": then,
                           "tool": "tool-virtual-staging", "inputs": {"image": "input-1.jpg"},
                           "remote": {}}, f)
            return job_id

        old_done, old_failed, week_done = job(30, "done"), job(9, "failed"), job(6, "done")
        env = dict(os.environ, SNAPSTAGE_API_KEY="sandbox-key")
        r = subprocess.run([BIN, "-c", config, "run", "--input", "script:quit@1000",
                            "--countdown", "0"], env=env, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("removed 2 finished job(s) older than 7 days", r.stderr)
        self.assertEqual(sorted(os.listdir(jobs)), [week_done])
        self.assertFalse({old_done, old_failed} & set(os.listdir(jobs)))


class ShowTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="snapstage-show-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.photo = os.path.join(DATA, "photos", "lakeside-640.jpg")

    def test_hold_keeps_the_display_open_until_sigterm(self):
        screens = os.path.join(self.dir, "screens")
        start = time.monotonic()
        proc = subprocess.Popen([BIN, "--json", "show", self.photo, "--display",
                                 f"file:{screens}", "--hold", "60"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()  # show.done comes before the hold
        self.assertEqual(json.loads(line)["event"], "show.done", line)
        self.assertTrue(os.path.exists(os.path.join(screens, "screen-0001.png")))
        time.sleep(0.3)
        self.assertIsNone(proc.poll(), "still holding")
        proc.terminate()
        _, err = proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 0, err)
        self.assertLess(time.monotonic() - start, 30)

    def test_hold_takes_whole_seconds(self):
        for bad in ("0", "1.5", "90000", "soon"):
            r = subprocess.run([BIN, "show", self.photo, "--display", "null", "--hold", bad],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn("--hold takes whole seconds from 1 to 86400", r.stderr)

    def test_drm_says_what_is_wrong_with_the_device(self):
        version = subprocess.run([BIN, "--version"], capture_output=True, text=True).stdout
        built = "libdrm " in version
        self.assertEqual(built, "drm" in version.split("display backends: ")[1].split("\n")[0])
        r = subprocess.run([BIN, "show", self.photo, "--display", "drm:/dev/dri/card97"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 5, r.stderr)
        if built:
            self.assertIn("no display device /dev/dri/card97: is the KMS driver loaded", r.stderr)
        else:
            self.assertIn("display backend 'drm' was left out of this build", r.stderr)


# The pattern camera's colour bars (hal/sim/camera_pattern.cpp), across its top 18%.
BARS = [(191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0), (191, 0, 191), (191, 0, 0),
        (0, 0, 191), (16, 16, 16)]


class PreviewTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="snapstage-preview-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def run_kiosk(self, camera, script, fps=5, base_url="https://127.0.0.1:9", ca=None,
                  countdown=0):
        screens = os.path.join(self.dir, "screens")
        config = os.path.join(self.dir, "snapstage.json")
        with open(config, "w") as f:
            json.dump({"service": {"base_url": base_url},
                       "tls": {"ca_file": ca} if ca else {},
                       "spool": {"dir": os.path.join(self.dir, "spool")},
                       "display": {"backend": "file", "device": screens, "width": 800,
                                   "height": 480, "preview_fps": fps},
                       "camera": camera,
                       "poll": {"min_interval_s": 0.1, "max_interval_s": 0.5}}, f)
        env = dict(os.environ, SNAPSTAGE_API_KEY="sandbox-key")
        r = subprocess.run([BIN, "-c", config, "--json", "run", "--input", script,
                            "--countdown", str(countdown), "--once"], env=env, capture_output=True,
                           text=True, timeout=90)
        self.assertEqual(r.returncode, 0, r.stderr)
        pngs = sorted(os.path.join(screens, n) for n in os.listdir(screens))
        return events_of(r.stdout), pngs, r.stderr

    def test_the_ready_screen_shows_the_camera_live_and_a_press_still_captures(self):
        sandbox = Sandbox(os.path.join(self.dir, "sandbox"))
        self.addCleanup(sandbox.stop)
        events, pngs, _ = self.run_kiosk(
            {"backend": "pattern", "width": 640, "height": 360, "format": "yuyv"},
            "script:press@1500", base_url=sandbox.line["base_url"], ca=sandbox.line["ca_file"],
            countdown=1)
        ready = [e for e in events if e["event"] == "kiosk.ready"][0]
        self.assertEqual(ready["preview_fps"], 5)
        shown = [e for e in events if e["event"] == "screen.shown" and e["screen"] == "ready"
                 and e["preview_w"] > 0]
        self.assertTrue(shown, "the ready screen says where the preview is")
        x, y, w, h = (shown[0][k] for k in ("preview_x", "preview_y", "preview_w", "preview_h"))
        self.assertAlmostEqual(w * 360 / 640, h, delta=1, msg="the camera's aspect is kept")
        self.assertTrue(0 <= x and x + w <= 800 and 0 <= y and y + h <= 480)
        # The screens before the photo: the ready screen, one per preview frame (5 a second for
        # the 1.5 s before the press), each with the bars where the event said.
        index = next(i for i, e in enumerate(events) if e["event"] == "capture.done")
        announced = [e for e in events[:index] if e["event"] == "screen.shown"
                     and e["screen"] == "ready"]
        self.assertLessEqual(len(announced), 2, "screen.shown for the ready screen (and the "
                             "preview's first frame), not one per frame")
        # The countdown shows the camera too, behind its number.
        counting = [e for e in events[:index] if e["event"] == "screen.shown"
                    and e["screen"] == "countdown"]
        self.assertTrue(counting and all(e["preview_w"] > 0 for e in counting), counting)
        previews = []
        for path in pngs:
            pw, ph, rows = read_png(path)
            self.assertEqual((pw, ph), (800, 480))
            bars = [tuple(rows[y + h * 9 // 100][3 * (x + (2 * i + 1) * w // 16):][:3])
                    for i in range(8)]
            if all(max(abs(a - b) for a, b in zip(got, want)) <= 8
                   for got, want in zip(bars, BARS)):
                previews.append(rows)
        self.assertGreaterEqual(len(previews), 4, "the preview is redrawn as frames come")
        # Live: the pattern's frame counter (bottom-left blocks) differs between frames.
        counter = [bytes(r[y + h - 3][3 * x:3 * (x + w // 4)]) for r in previews]
        self.assertGreater(len(set(counter)), 1, "successive preview frames differ")
        # The press during the preview took the photo from the same camera, and it went out.
        self.assertGreater(events[index]["bytes"], 1000)
        result = [e for e in events if e["event"] == "kiosk.result"][0]
        pw, ph, rgb = djpeg(result["before"], "1/1")
        self.assertEqual((pw, ph), (640, 360), "the photo is the camera's whole frame")
        top_left = rgb[3 * (pw * (ph // 20) + pw // 16):][:3]  # the first bar
        self.assertLessEqual(max(abs(a - b) for a, b in zip(top_left, BARS[0])), 8)

    def test_input_is_read_between_preview_frames(self):
        # A 1920x1080 camera previewed at 30 frames a second on a display that shows at once
        # (null): each press reaches the kiosk within a frame or two, not after the preview.
        config = os.path.join(self.dir, "snapstage.json")
        with open(config, "w") as f:
            json.dump({"service": {"base_url": "https://127.0.0.1:9"},
                       "spool": {"dir": os.path.join(self.dir, "spool")},
                       "display": {"backend": "null", "width": 800, "height": 480,
                                   "preview_fps": 30},
                       "camera": {"backend": "pattern", "width": 1920, "height": 1080,
                                  "format": "yuyv"}}, f)
        proc = subprocess.Popen([BIN, "-c", config, "--json", "run", "--input", "stdin",
                                 "--countdown", "0"],
                                env=dict(os.environ, SNAPSTAGE_API_KEY="sandbox-key"),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())

        def next_event(name):
            for line in proc.stdout:
                e = json.loads(line)
                if e["event"] == name:
                    return e
            self.fail(f"no {name} event")

        shown = next_event("screen.shown")
        while shown["preview_w"] == 0:
            shown = next_event("screen.shown")
        latencies = []
        for word in ("long", "long", "long", "long", "long", "press"):
            time.sleep(0.2)  # the preview runs meanwhile
            t0 = time.monotonic()
            proc.stdin.write(word + "\n")
            proc.stdin.flush()
            e = next_event("input")
            latencies.append(time.monotonic() - t0)
            self.assertEqual(e["kind"], word)
        ms = ", ".join("%.1f" % (x * 1000) for x in latencies)
        print(f"press to input event while previewing: {ms} ms", file=sys.stderr)
        self.assertLess(max(latencies), 0.25, latencies)
        self.assertGreater(next_event("capture.done")["bytes"], 1000)
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        self.assertEqual(proc.wait(timeout=30), 0)

    def test_a_camera_of_one_photo_shows_the_ready_screen_without_preview(self):
        events, pngs, err = self.run_kiosk(
            {"backend": "file", "device": os.path.join(DATA, "photos", "lakeside-640.jpg")},
            "script:quit@600")
        ready = [e for e in events if e["event"] == "kiosk.ready"][0]
        self.assertEqual(ready["preview_fps"], 0)
        self.assertIn("does not stream", err)
        shown = [e for e in events if e["event"] == "screen.shown"]
        self.assertEqual([e["preview_w"] for e in shown], [0])
        self.assertEqual(len(pngs), 1, "the ready screen drawn once, no preview frames")


def main():
    global BIN, DATA
    BIN, DATA = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    suite = unittest.TestSuite(unittest.defaultTestLoader.loadTestsFromTestCase(case)
                               for case in (KioskTest, ShowTest, PreviewTest))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
