#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Integration test of `snapstage capture`: the real binary, each camera backend available on this
# machine, the output checked with libjpeg-turbo's djpeg. Usage: capture_test.py SNAPSTAGE DATA_DIR
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BIN = None
DATA = None


def run(*args, config=None, cwd=None, env=None):
    cmd = [BIN]
    if config is not None:
        cmd += ["-c", config]
    cmd += list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=cwd,
                          env=None if env is None else dict(os.environ, **env))


def jpeg_size(path):
    """Width and height as djpeg decodes them (fails the test if djpeg rejects the file)."""
    out = subprocess.run(["djpeg", "-pnm", path], capture_output=True, timeout=60, check=True)
    header = out.stdout.split(b"\n", 3)
    assert header[0] in (b"P6", b"P5"), header[0]
    w, h = header[1].split()
    return int(w), int(h)


class CaptureTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="snapstage-capture-")
        self.addCleanup(shutil.rmtree, self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_pattern_camera_in_each_format_gives_a_valid_jpeg_of_the_configured_size(self):
        for fmt in ("i420", "nv12", "yuyv", "rgb24"):
            out = self.path(f"{fmt}.jpg")
            r = run("capture", "-o", out, "--camera", f"pattern,width=640,height=480,format={fmt}")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(jpeg_size(out), (640, 480), fmt)

    def test_file_camera_replays_a_jpeg_at_its_own_size(self):
        out = self.path("lake.jpg")
        photo = os.path.join(DATA, "photos", "lakeside-640.jpg")
        r = run("capture", "-o", out, "--camera", f"file:{photo}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(jpeg_size(out), (640, 400))

    def test_file_camera_reads_a_ppm(self):
        ppm = self.path("frame.ppm")
        with open(ppm, "wb") as f:
            f.write(b"P6\n32 16\n255\n" + bytes(range(256)) * 6)
        out = self.path("ppm.jpg")
        r = run("capture", "-o", out, "--camera", f"file:{ppm}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(jpeg_size(out), (32, 16))

    def test_json_events_and_exif(self):
        out = self.path("e.jpg")
        r = run("--json", "capture", "-o", out, "--camera", "pattern,width=320,height=240")
        self.assertEqual(r.returncode, 0, r.stderr)
        events = [json.loads(line) for line in r.stdout.splitlines()]
        names = [e["event"] for e in events]
        self.assertEqual(names, ["capture.frame", "capture.encoded", "capture.done"])
        self.assertEqual(events[-1]["path"], out)
        self.assertEqual(events[-1]["bytes"], os.path.getsize(out))
        data = open(out, "rb").read()
        self.assertEqual(data[:2], b"\xff\xd8")
        self.assertIn(b"Exif\x00\x00", data[:64])
        self.assertIn(b"snapstage", data[:512])  # the host board's make

    def test_config_quality_changes_the_output(self):
        sizes = {}
        for q in (40, 95):
            cfg = self.path(f"q{q}.json")
            with open(cfg, "w") as f:
                json.dump({"jpeg": {"quality": q}, "camera": {"backend": "pattern", "width": 640,
                                                               "height": 480}}, f)
            out = self.path(f"q{q}.jpg")
            r = run("capture", "-o", out, config=cfg)
            self.assertEqual(r.returncode, 0, r.stderr)
            sizes[q] = os.path.getsize(out)
        self.assertLess(sizes[40], sizes[95])

    def test_bad_config_is_exit_2_naming_file_and_key(self):
        cfg = self.path("bad.json")
        with open(cfg, "w") as f:
            f.write('{"jpeg": {"quality": 0}}')
        r = run("capture", "-o", self.path("x.jpg"), config=cfg)
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad.json: jpeg.quality", r.stderr)

    def test_usage_errors_are_exit_2(self):
        self.assertEqual(run("capture").returncode, 2)
        self.assertEqual(run("capture", "-o", "x", "--bogus").returncode, 2)
        self.assertEqual(run("nonsense").returncode, 2)
        r = run("capture", "-o", "x", "--camera", "pattern,width=abc")
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_device_errors_are_exit_5_and_leave_no_file(self):
        out = self.path("none.jpg")
        r = run("capture", "-o", out, "--camera", f"file:{self.path('missing.jpg')}")
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn("missing.jpg", r.stderr)
        r = run("capture", "-o", self.path("no/such/dir/x.jpg"), "--camera", "pattern")
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_help_and_version(self):
        r = run("capture", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: snapstage capture", r.stdout)
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertIn("camera backends:", r.stdout)
        # The live preview's converter: libyuv with its version where linked, else our rows.
        self.assertRegex(r.stdout, r"live preview: (libyuv \d+|the project's own rows)")

    def test_libcamera_is_a_module_loaded_only_when_used(self):
        backends = run("--version").stdout
        if ",libcamera" not in backends:
            self.skipTest("this build has no libcamera backend")
        # The program itself does not link libcamera: its ~30 libraries would weigh on every
        # command, cameras or not.
        ldd = subprocess.run(["ldd", BIN], capture_output=True, text=True)
        if ldd.returncode == 0:
            self.assertNotIn("libcamera", ldd.stdout)
        # --version loads the module to report the version it runs with.
        self.assertRegex(backends, r"(?m)^libcamera \d+\.\d+")
        # Without the module, --version and a libcamera camera say why, plainly.
        env = {"SNAPSTAGE_PLUGIN_DIR": self.path("no-modules")}
        r = run("--version", env=env)
        self.assertEqual(r.returncode, 0)
        self.assertIn("libcamera (not usable: the camera module snapstage-camera-libcamera.so "
                      "cannot be loaded (" + self.path("no-modules") +
                      "/snapstage-camera-libcamera.so: not there)", r.stdout)
        out = self.path("x.jpg")
        r = run("capture", "--camera", "libcamera", "-o", out, env=env)
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn("cannot be loaded", r.stderr)
        self.assertFalse(os.path.exists(out))
        # A file that is not a module of this build is refused, not called.
        os.makedirs(self.path("bad-modules"))
        shutil.copy(BIN, self.path("bad-modules/snapstage-camera-libcamera.so"))
        r = run("--version", env={"SNAPSTAGE_PLUGIN_DIR": self.path("bad-modules")})
        self.assertEqual(r.returncode, 0)
        self.assertIn("libcamera (not usable:", r.stdout)


def main():
    global BIN, DATA
    BIN, DATA = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(CaptureTest)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
