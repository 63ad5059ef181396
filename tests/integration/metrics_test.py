#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The fleet metrics file (docs/metrics.md) after real jobs against the sandbox over TLS: checked
# by `promtool check metrics`, and its values against what the sandbox saw: jobs by state,
# failures by cause (a failed process, a refused key, a service answering 503), upload bytes
# and upload times per request, job durations, the last success, TLS handshakes per connection,
# the spool's size; submits side by side add up. Under systemd (JOURNAL_STREAM) every stderr
# line carries its journal priority, and the API key appears in no line and in no metrics file.
# The example alert rules pass `promtool check rules` and their `promtool test rules` cases.
# Exits 77 (skipped) without promtool. Usage: metrics_test.py SNAPSTAGE DATA_DIR
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jobs_test  # noqa: E402  (the sandbox and client helpers)
from jobs_test import KEY, STAGING, OneSandboxTestCase, select_lines, shape  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALERTS = os.path.join(ROOT, "packaging", "prometheus")
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')
UPLOADS = ("POST /v3/order", "POST /v3/order/:id/append", "PUT /s3/*")


def parse(text):
    """{(name, labels): float} of a Prometheus text file."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, line
        out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def promtool(*args, stdin=None):
    return subprocess.run(["promtool", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)


def du(folder):
    total = os.lstat(folder).st_blocks * 512
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


class MetricsTest(OneSandboxTestCase):
    def journal_run(self, client, *args, key=KEY, expect=0):
        """`snapstage -v ARGS` as systemd runs it: stderr to the journal (JOURNAL_STREAM)."""
        env = client.env(key)
        env["JOURNAL_STREAM"] = "8:4242"
        argv = client.argv("-v", *args)
        p = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
        r = jobs_test.Run(argv, p.returncode, p.stdout, p.stderr, 0)
        self.runs.append(r)
        if expect is not None:
            self.assertEqual(r.returncode, expect, r)
        for line in r.stderr.splitlines():
            self.assertRegex(line, r"^<[0-7]>", "a stderr line without its priority: %r" % line)
        return r

    def metrics(self, client, path=None):
        path = path or os.path.join(client.spool, "metrics", "snapstage.prom")
        with open(path) as f:
            text = f.read()
        check = promtool("check", "metrics", stdin=text)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertNotIn(KEY, text)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o644)
        return parse(text)

    def test_jobs_and_failures_match_what_the_sandbox_saw(self):
        v3 = self.client(self.sb)
        ae = self.client(self.sb, vendor="autoenhance")
        conn_log = self.sb.info["conn_log_file"]
        start = time.time()
        mark = self.sb.mark()
        # Two jobs done (one of each API), with their uploads on the API and on S3
        done = [self.journal_run(v3, "submit", jobs_test.PHOTO, *STAGING),
                self.journal_run(ae, "submit", jobs_test.variant(83))]
        # The service fails a job (exit 1): cause "service"
        self.sb.faults(fail_processes=1)
        self.journal_run(v3, "submit", jobs_test.variant(84), *STAGING, expect=1)
        # A key the service refuses (exit 4): cause "auth"
        refused = self.journal_run(v3, "submit", jobs_test.PHOTO, *STAGING, key="sk-refused",
                                   expect=4)
        # Polls answered 503 until the retries run out (exit 3, the job kept): cause "server"
        self.sb.faults(fail_next={"path": "/v3/process/*", "method": "GET", "status": 503,
                                  "count": -1})
        self.journal_run(v3, "submit", jobs_test.variant(85), *STAGING, expect=3)
        self.sb.faults(fail_next=[])
        end = time.time()
        # v3 and Autoenhance share the spool: one file holds both
        m = self.metrics(v3)
        lines = self.sb.since(mark)

        jobs = {s: m[("snapstage_jobs", '{state="%s"}' % s)] for s in
                ("queued", "submitting", "processing", "downloading", "done", "failed")}
        self.assertEqual(jobs, {"queued": 0, "submitting": 0, "processing": 1, "downloading": 0,
                                "done": 2, "failed": 2})
        causes = {k[1][len('{cause="'):-2]: v for k, v in m.items()
                  if k[0] == "snapstage_job_failures_total"}
        self.assertEqual(causes, {"network": 0, "tls": 0, "clock": 0, "auth": 1, "rejected": 0,
                                  "server": 1, "service": 1, "storage": 0, "device": 0,
                                  "other": 0})
        # Upload bytes: every photo body the sandbox received, to the byte
        uploads = [l for l in lines if shape(l) in UPLOADS]
        self.assertEqual(len(uploads), 4, [shape(l) for l in lines])  # the refused key: none
        self.assertEqual(m[("snapstage_upload_bytes_total", "")],
                         sum(l["bytes_in"] for l in uploads))
        self.assertGreater(m[("snapstage_upload_bytes_total", "")],
                           os.path.getsize(jobs_test.PHOTO) * 3)
        # One upload time per upload answered; each no longer than the run that made it
        h = "snapstage_upload_duration_seconds"
        self.assertEqual(m[(h + "_count", "")], len(uploads))
        self.assertEqual(m[(h + "_bucket", '{le="+Inf"}')], len(uploads))
        self.assertGreater(m[(h + "_sum", "")], 0)
        self.assertLess(m[(h + "_sum", "")], end - start)
        self.assertLessEqual(m[(h + "_bucket", '{le="0.25"}')], m[(h + "_bucket", '{le="300"}')])
        # Job durations of the two done
        j = "snapstage_job_duration_seconds"
        self.assertEqual(m[(j + "_count", "")], 2)
        self.assertEqual(m[(j + "_bucket", '{le="+Inf"}')], 2)
        self.assertLessEqual(m[(j + "_sum", "")], end - start + 2)  # whole seconds of wall time
        last = m[("snapstage_last_success_timestamp_seconds", "")]
        self.assertGreaterEqual(last, int(start))
        self.assertLessEqual(last, end + 1)
        # Handshakes: one per connection of the client's the sandbox served (API, CDN, S3), as
        # the sandbox saw them (the test's own admin calls left out)
        ids = {l["conn"] for l in lines}
        deadline = time.time() + 10
        while True:  # the sandbox logs a connection once it has closed
            with open(conn_log) as f:
                mine = [c for c in map(json.loads, filter(str.strip, f)) if c["conn"] in ids]
            if len(mine) == len(ids) or time.time() > deadline:
                break
            time.sleep(0.1)
        full = m[("snapstage_tls_handshakes_total", '{kind="full"}')]
        resumed = m[("snapstage_tls_handshakes_total", '{kind="resumed"}')]
        # The first process's handshakes are full ones; later processes resume the sessions it
        # kept in the spool (tls-sessions-*)
        self.assertGreaterEqual(full, 1)
        self.assertGreaterEqual(resumed, 2)
        self.assertEqual(full, sum(1 for c in mine if not c["tls_resumed"]), mine)
        self.assertEqual(resumed, sum(1 for c in mine if c["tls_resumed"]), mine)
        # The spool's size as du counts it (give or take the record and the file just written)
        size = m[("snapstage_spool_bytes", "")]
        self.assertGreater(size, sum(os.path.getsize(e["path"]) for r in done
                                     for e in r.named("result.saved")))
        self.assertLess(abs(size - du(v3.spool)), 64 * 1024)
        # The API key is in no log line (tearDown also reads every file and every output)
        for r in self.runs:
            self.assertNotIn(KEY, r.stderr)
        # Information at <6>, detail (-v) at <7>, the error a run ends with at <3>
        self.assertRegex(done[0].stderr, r"(?m)^<6>job .*: done$")
        self.assertRegex(done[0].stderr, r"(?m)^<7>")
        self.assertRegex(refused.stderr, r"(?m)^<3>snapstage: .*refused the API key")
        self.assertNotIn("sk-refused", refused.stderr)

    def test_submits_side_by_side_add_up(self):
        client = self.client(self.sb)
        images = [jobs_test.variant(86 + i) for i in range(3)]
        with ThreadPoolExecutor(max_workers=3) as pool:
            runs = list(pool.map(lambda img: client.run("submit", img, *STAGING), images))
        for r in runs:
            self.runs.append(r)
            self.assertEqual(r.returncode, 0, r)
        m = self.metrics(client)
        self.assertEqual(m[("snapstage_jobs", '{state="done"}')], 3)
        self.assertEqual(m[("snapstage_job_duration_seconds_count", "")], 3)
        self.assertEqual(m[("snapstage_upload_duration_seconds_count", "")], 3)
        orders = select_lines(self.sb.log(), "POST /v3/order")
        self.assertEqual(m[("snapstage_upload_bytes_total", "")],
                         sum(l["bytes_in"] for l in orders[-3:]))
        # jobs --resume, owning the spool, writes it at its start (nothing to resume: same counts)
        os.unlink(os.path.join(client.spool, "metrics", "snapstage.prom"))
        self.run_client(client, "jobs", "--resume")
        again = self.metrics(client)
        self.assertEqual(again[("snapstage_jobs", '{state="done"}')], 3)
        self.assertEqual(again[("snapstage_upload_bytes_total", "")],
                         m[("snapstage_upload_bytes_total", "")])

    def test_textfile_elsewhere_or_off(self):
        collector = os.path.join(self.dir, "node-exporter")
        there = self.client(self.sb, extra={"metrics": {
            "textfile": os.path.join(collector, "snapstage.prom")}})
        self.run_client(there, "submit", jobs_test.PHOTO, *STAGING)
        m = self.metrics(there, os.path.join(collector, "snapstage.prom"))
        self.assertEqual(m[("snapstage_jobs", '{state="done"}')], 1)
        self.assertEqual(os.listdir(collector), ["snapstage.prom"])  # no temporary left
        off = self.client(self.sb, spool=os.path.join(self.dir, "spool-off"),
                          extra={"metrics": {"textfile": ""}})
        self.run_client(off, "submit", jobs_test.PHOTO, *STAGING)
        self.assertFalse(os.path.exists(os.path.join(off.spool, "metrics")))
        self.assertFalse(os.path.exists(os.path.join(off.spool, "metrics.counters")))
        bad = self.client(self.sb, extra={"metrics": {"textfile": "/tmp/snapstage.txt"}})
        r = self.run_client(bad, "jobs", expect=2)
        self.assertIn("metrics.textfile", r.stderr)
        self.assertIn(".prom", r.stderr)


class AlertRulesTest(unittest.TestCase):
    def test_rules_are_valid_and_their_unit_tests_pass(self):
        rules = os.path.join(ALERTS, "snapstage-alerts.yml")
        check = promtool("check", "rules", rules)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertRegex(check.stdout, r"SUCCESS: [1-9][0-9]* rules found")
        test = promtool("test", "rules", os.path.join(ALERTS, "snapstage-alerts.test.yml"))
        self.assertEqual(test.returncode, 0, test.stdout + test.stderr)


def main():
    if len(sys.argv) < 3:
        print("usage: metrics_test.py SNAPSTAGE DATA_DIR [unittest arguments]", file=sys.stderr)
        return 2
    if not shutil.which("promtool"):
        print("promtool not found (Debian's prometheus package): skipped", file=sys.stderr)
        return 77
    jobs_test.BIN = os.path.abspath(sys.argv[1])
    jobs_test.DATA = os.path.abspath(sys.argv[2])
    jobs_test.PHOTO = os.path.join(jobs_test.DATA, "photos", "lakeside-640.jpg")
    prog = unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2, exit=False)
    shutil.rmtree(os.path.join(jobs_test.tempfile.gettempdir(),
                               "snapstage-jobs-images-%d" % os.getpid()), ignore_errors=True)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
