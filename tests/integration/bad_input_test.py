#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Integration test: the real binary given hostile input (thin JPEGs, a FIFO, bad configs with
# duplicate keys, invalid UTF-8 and escape sequences, huge sizes, a full disk). Each case must end
# with a clear message naming the file and key, valid JSON on stdout, and nothing raw on stderr.
# Usage: bad_input_test.py SNAPSTAGE
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

BIN = None


def run(*args, config=None, timeout=60, preexec_fn=None):
    cmd = [BIN] + (["-c", config] if config else []) + list(args)
    return subprocess.run(cmd, capture_output=True, timeout=timeout, preexec_fn=preexec_fn)


def json_events(stdout):
    """Each line as strict JSON: UTF-8 (raises on any invalid byte), then parsed."""
    return [json.loads(line) for line in stdout.decode("utf-8").splitlines()]


def cjpeg(ppm_bytes, out, *options):
    subprocess.run(["cjpeg", *options, "-outfile", out], input=ppm_bytes, check=True)


class BadInputTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="snapstage-bad-")
        self.addCleanup(shutil.rmtree, self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def config(self, text):
        path = self.path("cfg.json")
        with open(path, "wb") as f:
            f.write(text if isinstance(text, bytes) else text.encode())
        return path

    def test_thin_jpegs_capture_cleanly(self):
        for (w, h), sample in (((1, 1), []), ((1, 16384), ["-sample", "4x1,1x1,1x1"]),
                               ((300, 1), ["-sample", "2x2,1x1,1x1"])):
            jpg = self.path(f"{w}x{h}.jpg")
            cjpeg(b"P6\n%d %d\n255\n" % (w, h) + bytes(w * h * 3), jpg, *sample)
            r = run("capture", "--camera", f"file:{jpg}", "-o", self.path("out.jpg"))
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_fifo_is_refused_at_once(self):
        fifo = self.path("pipe.jpg")
        os.mkfifo(fifo)
        r = run("capture", "--camera", f"file:{fifo}", "-o", self.path("out.jpg"), timeout=20)
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn(f"{fifo} is a FIFO", r.stderr.decode())

    def test_duplicate_keys_are_an_error_naming_file_and_key(self):
        cfg = self.config('{"jpeg": {"quality": 90, "quality": "bad"}}')
        r = run("capture", "--camera", "pattern", "-o", self.path("o.jpg"), config=cfg)
        self.assertEqual(r.returncode, 2)
        self.assertIn("cfg.json: jpeg.quality: the key appears more than once", r.stderr.decode())

    def test_invalid_utf8_and_escapes_never_leave_raw(self):
        for text, words in ((b'{"service": {"tool": "\xff\xfe"}}', "service.tool: the text is not"),
                            (b'{"jpeg": {"\xff\x1b[2Jq": 1}}', "jpeg: key"),
                            (b'{"camera": {"bad\x1b]0;x\x07": 1}}', "camera.bad")):
            cfg = self.config(text)
            r = run("--json", "capture", "-o", self.path("o.jpg"), config=cfg)
            self.assertEqual(r.returncode, 2, r.stderr)
            events = json_events(r.stdout)  # valid UTF-8 JSON whatever the input
            self.assertEqual(events[-1]["event"], "error")
            self.assertIn(words, events[-1]["message"])
            for raw in (b"\x1b", b"\x07", b"\xff"):
                self.assertNotIn(raw, r.stderr)
            self.assertIn(words, r.stderr.decode())

    def test_messages_name_the_file_and_the_key(self):
        pins = ["sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="] * 9
        for text, expected in (
                ('{"camera": {"backend": "pattern", "width": 0}}', "cfg.json: camera.width:"),
                ('{"camera": {"backend": "pattern", "width": 100000}}', "cfg.json: camera.width:"),
                ('{"camera": {"backend": "pattern", "width": 10000}}',
                 "cfg.json: camera: pattern: option width=10000"),
                ('{"jpeg": 5}', "cfg.json: jpeg: expected an object"),
                (json.dumps({"tls": {"pins": pins}}), "cfg.json: tls.pins: 9 pins listed")):
            r = run("capture", "-o", self.path("o.jpg"), config=self.config(text))
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(expected, r.stderr.decode())

    def test_a_huge_jpeg_is_refused_naming_the_file(self):
        jpg = self.path("huge.jpg")
        with open(jpg, "wb") as f:  # SOI, a 65500x65500 SOF0 header, EOI
            f.write(bytes.fromhex("ffd8ffc0001108ffdcffdc03012200021101031101ffd9"))
        r = run("capture", "--camera", f"file:{jpg}", "-o", self.path("o.jpg"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(f"file camera {jpg}: encoder size 65500x65500", r.stderr.decode())

    def test_a_full_disk_names_the_output_not_its_temporary(self):
        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG from write(), as ENOSPC would
            resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        out = self.path("cap.jpg")
        r = run("capture", "--camera", "pattern", "-o", out, preexec_fn=limit)
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn(f"cannot write {out}", r.stderr.decode())
        self.assertNotIn(".tmp-", r.stderr.decode())
        self.assertEqual(os.listdir(self.dir), [])


def main():
    global BIN
    BIN = os.path.abspath(sys.argv[1])
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(BadInputTest)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
