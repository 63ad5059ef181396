#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# One-shot capture benchmark vs cjpeg, in one run: `snapstage capture --camera file:PHOTO.ppm`
# against `cjpeg -quality 90` on the same PPM, alternating, with wall time, CPU split, page faults
# and peak RSS of each run measured by run_rusage.
"""Compare a one-shot `snapstage capture` from a PPM file with cjpeg on the same file.

Builds nothing: point --snapstage at a host-release build (run_rusage is taken from beside it).
The PPM is made from bench/data/forest-path-4056x3040.jpg with djpeg unless --ppm names one.
Both write a 4:2:0 JPEG at quality 90 into the same folder; snapstage also adds EXIF and makes
the file durable (fsync of the file and its folder), as it always does.
Targets: snapstage's wall time at least 0.9x cjpeg's speed (ratio cjpeg/snapstage >= 0.9), and
its peak RSS no more than the frame's own size plus a few MiB.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_IMAGE = os.path.join(HERE, "data", "forest-path-4056x3040.jpg")


def measure(runner, cmd):
    """(wall s, user s, sys s, minor faults, peak RSS KiB) of one run of cmd."""
    proc = subprocess.run([runner, *cmd], capture_output=True, text=True)
    m = re.search(r"^rusage (\S+) (\S+) (\d+) (\d+)$", proc.stderr, re.M)
    s = re.search(r"^rusage-split (\S+) (\S+) (\d+)$", proc.stderr, re.M)
    if proc.returncode != 0 or not m or not s:
        sys.exit(f"capture_vs_cjpeg: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    return (float(m.group(1)), float(s.group(1)), float(s.group(2)), int(s.group(3)),
            int(m.group(3)))


def summary(runs):
    """Median of each column, and the best wall time."""
    cols = list(zip(*runs))
    return {"wall_ms": statistics.median(cols[0]) * 1000, "best_wall_ms": min(cols[0]) * 1000,
            "user_ms": statistics.median(cols[1]) * 1000, "sys_ms": statistics.median(cols[2]) * 1000,
            "minor_faults": int(statistics.median(cols[3])),
            "peak_rss_mib": max(cols[4]) / 1024}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--snapstage", default="build/host-release/firmware/app/snapstage")
    p.add_argument("--runner", help="run_rusage (default: bench/run_rusage of the same build)")
    p.add_argument("--cjpeg", default=shutil.which("cjpeg") or "cjpeg")
    p.add_argument("--ppm", help="the photo as a binary PPM (default: made from --image)")
    p.add_argument("--image", default=DEFAULT_IMAGE)
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = p.parse_args()
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(args.snapstage))))
    runner = args.runner or os.path.join(build, "bench", "run_rusage")
    work = tempfile.mkdtemp(prefix="snapstage-capture-bench-")
    try:
        ppm = args.ppm
        if not ppm:
            ppm = os.path.join(work, "photo.ppm")
            subprocess.run(["djpeg", "-ppm", "-outfile", ppm, args.image], check=True)
        config = os.path.join(work, "snapstage.json")
        with open(config, "w") as f:
            json.dump({"jpeg": {"quality": 90, "subsampling": "420"}}, f)
        ours = [os.path.abspath(args.snapstage), "-q", "-c", config, "capture", "--camera",
                f"file:{ppm}", "-o", os.path.join(work, "snapstage.jpg")]
        peer = [args.cjpeg, "-quality", "90", "-outfile", os.path.join(work, "cjpeg.jpg"), ppm]
        measure(runner, ours)  # warm the page cache and both binaries
        measure(runner, peer)
        a, b = [], []
        for _ in range(args.rounds):
            a.append(measure(runner, ours))
            b.append(measure(runner, peer))
        s, c = summary(a), summary(b)
        frame_mib = os.path.getsize(ppm) / (1 << 20)
        print(f"frame: {ppm} ({frame_mib:.1f} MiB), {args.rounds} rounds alternating, medians")
        print(f"{'':10} {'wall ms':>8} {'best':>7} {'user ms':>8} {'sys ms':>7} {'faults':>7} "
              f"{'peak RSS MiB':>13}")
        for name, r in (("snapstage", s), ("cjpeg", c)):
            print(f"{name:10} {r['wall_ms']:8.1f} {r['best_wall_ms']:7.1f} {r['user_ms']:8.1f} "
                  f"{r['sys_ms']:7.1f} {r['minor_faults']:7d} {r['peak_rss_mib']:13.1f}")
        speed = c["wall_ms"] / s["wall_ms"]
        print(f"speed vs cjpeg (cjpeg wall / snapstage wall): {speed:.2f}x (target >= 0.90)")
        print(f"snapstage peak RSS - frame size: {s['peak_rss_mib'] - frame_mib:.1f} MiB")
        if args.json:
            print(json.dumps({"snapstage": s, "cjpeg": c, "speed": speed, "frame_mib": frame_mib}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
