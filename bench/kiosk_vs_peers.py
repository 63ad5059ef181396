#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Kiosk benchmarks, each against its peer in the same run:
#  - a full 1920x1080 screen rendered and presented, against a memcpy of the frame (ui_bench);
#  - the result decoded and scaled to the screen: `snapstage show` against `djpeg -scale` on the
#    same 12 MP file, both as whole processes (run_rusage, medians of alternating rounds);
#  - the kiosk loop's peak RSS with a 1920x1080 camera, one whole job against the sandbox.
# Usage: kiosk_vs_peers.py [--build build/host-release] [--rounds N]
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PHOTO = os.path.join(HERE, "data", "forest-path-4056x3040.jpg")


def rusage(runner, cmd, env=None):
    r = subprocess.run([runner, *cmd], capture_output=True, text=True, env=env, timeout=600)
    m = re.search(r"^rusage (\S+) (\S+) (\d+) (\d+)", r.stderr, re.M)
    if not m or m.group(4) != "0":
        sys.exit(f"kiosk_vs_peers: {' '.join(cmd)} failed:\n{r.stderr}")
    return float(m.group(1)), float(m.group(2)), int(m.group(3)) / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "host-release"))
    ap.add_argument("--rounds", type=int, default=15)
    a = ap.parse_args()
    snap = os.path.join(a.build, "firmware", "app", "snapstage")
    runner = os.path.join(a.build, "bench", "run_rusage")
    ui = os.path.join(a.build, "bench", "ui_bench")

    print("== render and present, 1920x1080 (ui_bench, ms per screen) ==")
    out = subprocess.run([ui, PHOTO, "1920", "1080", "30"], capture_output=True, text=True,
                         check=True).stdout
    figures = {l.split()[0]: l.split()[1:] for l in out.splitlines()}
    for name, (ms, ours, lib) in figures.items():
        print(f"{name:28s} {float(ms):8.3f} ms  allocations: {ours} ours, {lib} library")
    ratio = float(figures["render_uploading"][0]) / float(figures["memcpy_frame"][0])
    print(f"full screen (uploading) vs memcpy: {ratio:.2f}x (target at most 3x: "
          f"{'met' if ratio <= 3 else 'not met'})")

    print("\n== the result decoded and scaled to 1920x1080: snapstage show vs djpeg -scale ==")
    tmp = tempfile.mkdtemp(prefix="snapstage-kiosk-bench-")
    cfg = os.path.join(tmp, "c.json")
    with open(cfg, "w") as f:
        json.dump({"display": {"backend": "null", "width": 1920, "height": 1080}}, f)
    ours, peer = [], []
    for _ in range(a.rounds):
        peer.append(rusage(runner, ["djpeg", "-scale", "1/4", "-outfile", "/dev/null", PHOTO]))
        ours.append(rusage(runner, [snap, "-q", "-c", cfg, "show", PHOTO]))
    med = lambda rows, i: statistics.median(r[i] for r in rows)
    print(f"{'':14s} {'wall ms':>9s} {'cpu ms':>9s} {'peak RSS MiB':>13s}")
    for name, rows in (("snapstage", ours), ("djpeg", peer)):
        print(f"{name:14s} {med(rows, 0) * 1000:9.1f} {med(rows, 1) * 1000:9.1f} "
              f"{med(rows, 2):13.1f}")
    speed = med(peer, 0) / med(ours, 0)
    print(f"speed against djpeg: {speed:.2f}x (target at least 1.0x: "
          f"{'met' if speed >= 1.0 else 'not met'})")

    print("\n== the kiosk loop, one job, 1920x1080 camera, 800x480 screen: peak RSS ==")
    sandbox = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools/sandbox/sandbox.py"),
                                "--port", "0", "--state", os.path.join(tmp, "sandbox"),
                                "--quiet", "--process-seconds", "0.5"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = json.loads(sandbox.stdout.readline())
        with open(cfg, "w") as f:
            json.dump({"board": "rpi-zero-2w",
                       "service": {"base_url": line["base_url"], "widgets": {
                           "widget-space-tool-virtual-staging": [
                               "item-bedroom-widget-space-tool-virtual-staging"],
                           "widget-style-tool-virtual-staging": [
                               "item-modern-widget-style-tool-virtual-staging"]}},
                       "tls": {"ca_file": line["ca_file"]},
                       "spool": {"dir": os.path.join(tmp, "spool")},
                       "camera": {"backend": "pattern", "width": 1920, "height": 1080},
                       "display": {"backend": "null", "width": 800, "height": 480},
                       "input": {"backend": "null"},
                       "poll": {"min_interval_s": 0.2, "max_interval_s": 0.5}}, f)
        env = dict(os.environ, SNAPSTAGE_API_KEY="sandbox-key")
        rss = [rusage(runner, [snap, "-q", "-c", cfg, "run", "--input", "script:press@200",
                               "--countdown", "0", "--once"], env)[2] for _ in range(3)]
        peak = statistics.median(rss)
        print(f"peak RSS {peak:.1f} MiB (runs: {', '.join(f'{r:.1f}' for r in rss)}; "
              f"target at most 16 MiB: {'met' if peak <= 16 else 'not met'})")
    finally:
        sandbox.terminate()
        sandbox.wait()


if __name__ == "__main__":
    main()
