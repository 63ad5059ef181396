# SPDX-License-Identifier: MIT
# hil-timeout: 90
# The drm display backend on vkms: frames drawn through the hal display are page-flipped on
# vblank (paced at the mode's refresh) and what vkms composes, read back through its writeback
# connector (tests/hil/tools/drm_writeback.cpp), equals the last frame drawn, pixel for pixel.
# `snapstage show --hold` on drm at a chosen mode: the photo read back through writeback. The
# CRTC is put back as it was after each program exits (the console returns). Refusals: another
# DRM master, a connector or a mode the card does not have: exit 5 with the documented words.
# Runs inside the VM (tests/hil).
import glob
import json
import os
import select
import signal
import subprocess
import sys
import time

SNAPSTAGE = os.environ.get("SNAPSTAGE", "")
FRAMES_TOOL = os.environ.get("DISPLAY_FRAMES", "")
WRITEBACK = os.environ.get("DRM_WRITEBACK", "")
SRC = os.environ.get("HIL_SRC", ".")
TMP = os.environ.get("HIL_TMP", "/tmp")
PHOTO = os.path.join(SRC, "tests", "data", "photos", "lakeside-640.jpg")
FRAMES = 30
failures = []


def check(cond, what, detail=""):
    print(("ok: " if cond else "FAIL: ") + what + (f" ({detail})" if detail and not cond else ""))
    if not cond:
        failures.append(what)
    return cond


def vkms_card():
    """The vkms card, found by its device's name (card numbers follow module load order)."""
    for dev in sorted(glob.glob("/sys/class/drm/card[0-9]*/device")):
        if "-" in os.path.basename(os.path.dirname(dev)):
            continue  # a connector, not a card
        if os.path.basename(os.path.realpath(dev)) == "vkms":
            return "/dev/dri/" + os.path.basename(os.path.dirname(dev))
    return None


def crtc_state(card):
    r = subprocess.run([WRITEBACK, "state", card], capture_output=True, text=True, timeout=10)
    return [json.loads(l) for l in r.stdout.splitlines()]


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, dims, _, px = data.split(b"\n", 3)
    w, h = map(int, dims.split())
    return w, h, px


def capture(card, pid, name):
    out = os.path.join(TMP, name)
    r = subprocess.run([WRITEBACK, "capture", card, str(pid), out], capture_output=True,
                       text=True, timeout=20)
    if not check(r.returncode == 0, f"{name}: read back through the writeback connector",
                 r.stderr.strip()):
        return None
    return read_ppm(out)


def wait_json(stream, key, seconds):
    deadline = time.monotonic() + seconds
    lines = []
    while time.monotonic() < deadline:
        if select.select([stream], [], [], 0.5)[0]:
            line = stream.readline()
            if not line:
                break
            if line.startswith("{"):
                lines.append(json.loads(line))
                if key in lines[-1] or lines[-1].get("event") == key:
                    return lines
    return lines


def refused(card_spec, words):
    r = subprocess.run([SNAPSTAGE, "show", PHOTO, "--display", card_spec], capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 5 and words in r.stderr, f"{card_spec}: exit 5, '{words}'",
          f"exit {r.returncode}: {r.stderr.strip()}")


def test_flips_and_writeback(card, before):
    proc = subprocess.Popen([FRAMES_TOOL, f"drm:{card}", str(FRAMES)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = wait_json(proc.stdout, "holding", 30)
        if not check(lines and "holding" in lines[-1], "frames drawn on drm",
                     proc.stderr.read() if proc.poll() is not None else lines[-1:]):
            return
        info, frames = lines[0], [l for l in lines if "frame" in l]
        check(info["page_flip"] and len(frames) == FRAMES, "page flips", info)
        refresh = int(info["name"].rsplit("@", 1)[1])
        # frame() waits for the last flip's event: frames come no faster than the refresh.
        period_ms = (frames[-1]["lent_us"] - frames[1]["lent_us"]) / (len(frames) - 2) / 1000
        print(f"{info['name']}: {len(frames)} frames, {period_ms:.1f} ms apart "
              f"(vblank every {1000 / refresh:.1f} ms)")
        check(period_ms >= 0.9 * 1000 / refresh, "frames paced by vblank events",
              f"{period_ms:.1f} ms apart")
        refused(f"drm:{card}", "another program holds the display")
        shot = capture(card, proc.pid, "frames.ppm")
        if shot:
            w, h, px = shot
            check((w, h) == (info["width"], info["height"]), "the captured size is the mode's")
            blue = (8 * (FRAMES - 1)) % 256
            red = (bytes(range(256)) * (w // 256 + 1))[:w] * h
            green = b"".join(bytes([y % 256]) * w for y in range(h))
            same = px[0::3] == red and px[1::3] == green and px[2::3] == bytes([blue]) * (w * h)
            check(same, "the screen shows the last frame drawn, every pixel")
    finally:
        proc.stdin.close()
        proc.wait(timeout=20)
    check(proc.returncode == 0, "the frames tool exits cleanly", proc.stderr.read())
    check(crtc_state(card) == before, "the CRTC is put back as it was", crtc_state(card))


def test_show(card, before):
    spec = f"drm:{card},width=1280,height=720"
    proc = subprocess.Popen([SNAPSTAGE, "--json", "show", PHOTO, "--display", spec, "--hold",
                             "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        events = wait_json(proc.stdout, "show.done", 30)
        if not check(events and events[-1].get("event") == "show.done", f"show on {spec}",
                     proc.stderr.read() if proc.poll() is not None else events):
            return
        shown = events[-1]
        shot = capture(card, proc.pid, "show.ppm")
        if shot:
            w, h, px = shot
            check((w, h) == (1280, 720), "the mode asked for is set", (w, h))
            ppm = subprocess.run(["djpeg", "-pnm", PHOTO], capture_output=True, check=True).stdout
            _, dims, _, ref = ppm.split(b"\n", 3)
            pw, ph = map(int, dims.split())
            x0, y0 = shown["x"], shown["y"]
            diff = n = 0
            for y in range(0, ph, 3):
                a = 3 * ((y0 + y) * w + x0)
                row, want = px[a:a + 3 * pw], ref[3 * y * pw:3 * (y + 1) * pw]
                diff += sum(abs(p - q) for p, q in zip(row[::7], want[::7]))
                n += len(row[::7])
            check(n > 0 and diff / n < 2.0, "the writeback shows the photo's pixels",
                  f"mean difference {diff / max(n, 1):.2f}")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    check(proc.returncode == 0, "show --hold ends cleanly on SIGTERM", proc.stderr.read())
    check(crtc_state(card) == before, "the console's mode and buffer are back",
          crtc_state(card))


def main():
    if not (SNAPSTAGE and FRAMES_TOOL):
        print("no SNAPSTAGE or DISPLAY_FRAMES binary")
        sys.exit(1)
    if not WRITEBACK:
        print("skipped: this build has no drm display (libdrm was not found)")
        sys.exit(77)
    card = vkms_card()
    if not check(card is not None, "vkms is loaded"):
        sys.exit(1)
    before = crtc_state(card)
    print(f"vkms at {card}; CRTCs before: {before}")
    test_flips_and_writeback(card, before)
    test_show(card, before)
    refused(f"drm:{card},connector=HDMI-A-1", "has no connector HDMI-A-1 (it has: Virtual-1)")
    refused(f"drm:{card},width=1000,height=700", "Virtual-1 has no 1000x700 mode")
    print("%d checks failed" % len(failures) if failures else "all checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
