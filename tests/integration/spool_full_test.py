#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Integration test of a full spool: the real binary and the sandbox, with the spool on a small
# tmpfs that fills up while the result downloads. The job must stop with exit 5 and "no space on
# the spool", leave no half-written result, and finish with `jobs --resume` once there is room.
# Needs root (it mounts a tmpfs); exits 77 (skipped) otherwise.
# Usage: spool_full_test.py SNAPSTAGE DATA_DIR
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP = 77


def start_sandbox(state):
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools/sandbox/sandbox.py"),
                             "--port", "0", "--state", state, "--quiet",
                             "--process-seconds", "0.3"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return proc, json.loads(proc.stdout.readline())


def run(binary, config, *args):
    env = dict(os.environ, SNAPSTAGE_API_KEY="sandbox-key")
    return subprocess.run([binary, "-c", config, *args], capture_output=True, text=True,
                          timeout=120, env=env)


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}")
        print("0 passed, 1 failed")
        sys.exit(1)


def main():
    binary, data = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if os.geteuid() != 0 or not shutil.which("mount") or not shutil.which("umount"):
        print("spool_full_test: needs root and mount(8) to mount a tmpfs; skipped")
        sys.exit(SKIP)
    work = tempfile.mkdtemp(prefix="snapstage-full-")
    spool = os.path.join(work, "spool")
    os.makedirs(spool)
    photo = os.path.join(data, "photos", "lakeside-640.jpg")
    # Room for the photo and the job record, not for the result as well.
    size_kib = (os.path.getsize(photo) + 4095) // 4096 * 4 + 24
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", spool]
                      ).returncode != 0:
        print("spool_full_test: cannot mount a tmpfs here; skipped")
        sys.exit(SKIP)
    sandbox = None
    try:
        sandbox, line = start_sandbox(os.path.join(work, "sandbox"))
        config = os.path.join(work, "snapstage.json")
        with open(config, "w") as f:
            json.dump({"service": {"base_url": line["base_url"],
                                   "widgets": {"widget-space-tool-virtual-staging": [
                                       "item-bedroom-widget-space-tool-virtual-staging"],
                                       "widget-style-tool-virtual-staging": [
                                       "item-modern-widget-style-tool-virtual-staging"]}},
                       "tls": {"ca_file": line["ca_file"]},
                       "spool": {"dir": os.path.join(spool, "s")},
                       "poll": {"min_interval_s": 0.1, "max_interval_s": 0.5}}, f)
        r = run(binary, config, "submit", photo)
        check(r.returncode == 5, f"a full spool exits 5, got {r.returncode}: {r.stderr}")
        check("no space on the spool" in r.stderr, f"the message says so: {r.stderr}")
        check("jobs --resume" in r.stderr, f"and says what to do: {r.stderr}")
        jobs = glob.glob(os.path.join(spool, "s", "jobs", "*"))
        check(len(jobs) == 1, f"the job is kept: {jobs}")
        left = sorted(os.listdir(jobs[0]))
        check(not any(n.startswith("result") for n in left),
              f"no half-written result is left: {left}")
        subprocess.run(["mount", "-o", "remount,size=4m", spool], check=True)
        r = run(binary, config, "jobs", "--resume")
        check(r.returncode == 0, f"resumed once there is room: {r.returncode} {r.stderr}")
        result = os.path.join(jobs[0], "result-1.jpg")
        check(os.path.exists(result), "the result is there after the resume")
        djpeg = subprocess.run(["djpeg", "-pnm", result], capture_output=True)
        check(djpeg.returncode == 0 and djpeg.stdout.startswith(b"P6"), "and it decodes")
        with open(line["log_file"]) as f:
            orders = [json.loads(x) for x in f if '"POST"' in x and '"/v3/order"' in x]
        check(len(orders) == 1, f"exactly one order: {len(orders)}")
        print("1 passed, 0 failed")
    finally:
        if sandbox:
            sandbox.terminate()
            sandbox.wait(timeout=10)
        subprocess.run(["umount", spool])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
