# SPDX-License-Identifier: MIT
# hil-timeout: 90
# The drm display backend on vkms: frames drawn through the hal display are page-flipped on
# vblank (paced at the mode's refresh) and what vkms composes, read back through its writeback
# connector (tests/hil/tools/drm_writeback.cpp), equals the last frame drawn, pixel for pixel.
# `snapstage show --hold` on drm at a chosen mode, and in RGB565: the photo read back through
# writeback. The CRTC is put back as it was after each program exits (the console returns).
# Refusals: another DRM master, a connector or a mode the card does not have: exit 5 with the
# documented words.
# Runs inside the VM (tests/hil).
import json
import os
import signal
import subprocess
import sys

SNAPSTAGE = os.environ.get("SNAPSTAGE", "")
FRAMES_TOOL = os.environ.get("DISPLAY_FRAMES", "")
WRITEBACK = os.environ.get("DRM_WRITEBACK", "")
SRC = os.environ.get("HIL_SRC", ".")
TMP = os.environ.get("HIL_TMP", "/tmp")
PHOTO = os.path.join(SRC, "tests", "data", "photos", "lakeside-640.jpg")
FRAMES = 20
sys.path.insert(0, os.path.join(SRC, "tests", "hil"))
import hil_guest  # noqa: E402

check = hil_guest.check


def capture(card, pid, name):
    try:
        shot = hil_guest.screenshot(card, pid, os.path.join(TMP, name))
    except RuntimeError as e:
        shot, error = None, str(e)
    check(shot is not None, f"{name}: read back through the writeback connector",
          None if shot else error)
    return shot


def read_lines(proc, last_key, seconds):
    """The frames tool's JSON lines, up to the one holding `last_key`."""
    lines = []
    while not lines or last_key not in lines[-1]:
        if hil_guest.wait_event(proc, None, seconds, lines) is None:
            break
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
        lines = read_lines(proc, "holding", 30)
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
        held = lines[-1]
        check(held["allocations"] == 0 and held["library_allocations"] == 0,
              "no heap allocation per frame after the first two", held)
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
    check(hil_guest.crtc_state(card) == before, "the CRTC is put back as it was", hil_guest.crtc_state(card))


def test_show(card, before, options, size, tolerance):
    """`snapstage show --hold` on drm with `options`: the screen must be `size` and hold the
    photo within a mean difference of `tolerance` per channel."""
    spec = f"drm:{card},{options}"
    proc = subprocess.Popen([SNAPSTAGE, "--json", "show", PHOTO, "--display", spec, "--hold",
                             "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        shown = hil_guest.wait_event(proc, "show.done", 30)
        if not check(shown is not None, f"show on {spec}",
                     proc.stderr.read() if proc.poll() is not None else "no show.done"):
            return
        shot = capture(card, proc.pid, "show.ppm")
        if shot:
            check(shot[:2] == size, f"the screen is {size[0]}x{size[1]}", shot[:2])
            d = hil_guest.mean_difference(shot, shown["x"], shown["y"], hil_guest.decode(PHOTO))
            print(f"{options}: {shown['format']}, mean difference {d:.2f}")
            check(d < tolerance, "the writeback shows the photo's pixels", f"{d:.2f}")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    check(proc.returncode == 0, "show --hold ends cleanly on SIGTERM", proc.stderr.read())
    check(hil_guest.crtc_state(card) == before, "the console's mode and buffer are back",
          hil_guest.crtc_state(card))


def test_doctor(card, before):
    """doctor opens the display and reports it, without a modeset: the console stays."""
    cfg = os.path.join(TMP, "doctor.json")
    with open(cfg, "w") as f:
        json.dump({"spool": {"dir": os.path.join(TMP, "doctor-spool")}}, f)
    r = subprocess.run([SNAPSTAGE, "-c", cfg, "--json", "doctor", "--display", f"drm:{card}"],
                       capture_output=True, text=True, timeout=60)
    checks = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    display = [c for c in checks if c.get("check") == "display"]
    check(display and display[0]["verdict"] == "ok" and
          display[0]["message"].startswith(f"drm {card} Virtual-1 1024x768@60"),
          "doctor reports the drm display", display or r.stderr)
    check(hil_guest.crtc_state(card) == before, "doctor leaves the console as it was",
          hil_guest.crtc_state(card))


def main():
    if not (SNAPSTAGE and FRAMES_TOOL):
        print("no SNAPSTAGE or DISPLAY_FRAMES binary")
        sys.exit(1)
    if not WRITEBACK:
        print("skipped: this build has no drm display (libdrm was not found)")
        sys.exit(77)
    card = hil_guest.vkms_card()
    if not check(card is not None, "vkms is loaded"):
        sys.exit(1)
    keep = hil_guest.hold_open(card)  # noqa: F841 (open until the end)
    before = hil_guest.crtc_state(card)
    print(f"vkms at {card}; CRTCs before: {before}")
    test_flips_and_writeback(card, before)
    test_show(card, before, "width=1280,height=720", (1280, 720), 2.0)
    # RGB565 keeps 5 or 6 bits of each channel: up to 7 levels lost.
    test_show(card, before, "format=rgb565", (1024, 768), 5.0)
    test_doctor(card, before)
    refused(f"drm:{card},connector=HDMI-A-1", "has no connector HDMI-A-1 (it has: Virtual-1)")
    refused(f"drm:{card},width=1000,height=700", "Virtual-1 has no 1000x700 mode")
    sys.exit(hil_guest.summary())


if __name__ == "__main__":
    main()
