#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Integration test of `snapstage doctor` against the sandbox: a verdict for every check, the
# service reached with its certificate verified and its expiry reported, and the clock floor:
# a clock that reads earlier than the floor (set by the test in the spool) fails the clock check
# with advice, instead of a certificate error later; the metrics file, before and after it is
# written.
# Usage: doctor_test.py SNAPSTAGE
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}")
        print("0 passed, 1 failed")
        sys.exit(1)


def doctor(binary, config):
    r = subprocess.run([binary, "-c", config, "--json", "doctor"], capture_output=True,
                       text=True, timeout=120, env=dict(os.environ, SNAPSTAGE_API_KEY="sandbox-key"))
    return r.returncode, {e["check"]: e for e in map(json.loads, r.stdout.splitlines())
                          if e.get("event") == "doctor.check"}


def main():
    binary = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="snapstage-doctor-")
    sandbox = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools/sandbox/sandbox.py"),
                                "--port", "0", "--state", os.path.join(work, "sandbox"), "--quiet"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = json.loads(sandbox.stdout.readline())
        spool = os.path.join(work, "spool")
        os.makedirs(spool)
        config = os.path.join(work, "snapstage.json")
        with open(config, "w") as f:
            json.dump({"service": {"base_url": line["base_url"]},
                       "tls": {"ca_file": line["ca_file"]}, "spool": {"dir": spool},
                       "camera": {"backend": "pattern", "width": 64, "height": 48},
                       "display": {"backend": "null"}, "input": {"backend": "null"}}, f)
        code, checks = doctor(binary, config)
        check(set(checks) == {"config", "clock", "ca", "key", "service", "camera", "display",
                              "input", "spool", "metrics"},
              f"a verdict for every check: {sorted(checks)}")
        check(checks["metrics"]["verdict"] == "ok" and
              checks["metrics"]["message"].startswith(os.path.join(spool, "metrics",
                                                                   "snapstage.prom")),
              checks["metrics"])
        check(code == 0, f"nothing failed: {code} {checks}")
        check("certificate verified" in checks["service"]["message"] and
              "valid until" in checks["service"]["message"], checks["service"])
        check(checks["camera"]["message"].endswith("64x48 frame captured"), checks["camera"])
        # A floor a year ahead of the clock: the device's clock is "not set".
        with open(os.path.join(spool, "clock-floor"), "w") as f:
            f.write("%d\n" % (int(__import__("time").time()) + 365 * 86400))
        code, checks = doctor(binary, config)
        check(checks["clock"]["verdict"] == "fail", checks["clock"])
        check("network time" in checks["clock"]["advice"], checks["clock"])
        check(code == 3, f"the clock's failure sets the exit code: {code}")
        # Once a command that owns the spool has written the metrics file, its age is given.
        subprocess.run([binary, "-c", config, "jobs", "--resume"], capture_output=True,
                       timeout=120, env=dict(os.environ, SNAPSTAGE_API_KEY="sandbox-key"),
                       check=True)
        _, checks = doctor(binary, config)
        check(checks["metrics"]["verdict"] == "ok" and "written" in checks["metrics"]["message"],
              checks["metrics"])
        print("3 passed, 0 failed")
    finally:
        sandbox.terminate()
        sandbox.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
