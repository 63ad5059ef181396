# SPDX-License-Identifier: MIT
# hil-timeout: 60
# The kiosk's live preview on real kernel drivers: vivid streaming YUYV as the camera, vkms'
# framebuffer as the display. The ready screen must show vivid's colour bars where the
# screen.shown event says the preview is (read back from the framebuffer), with the camera's
# aspect. Runs inside the VM (tests/hil), after kiosk_loop.
import glob
import json
import os
import select
import subprocess
import sys
import time

SNAPSTAGE = os.environ.get("SNAPSTAGE", "")
TMP = os.environ.get("HIL_TMP", "/tmp")
DEV = "/dev/video0"
# vivid's default pattern, 75 % colour bars, left to right, as full-range RGB.
BARS = [(191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0), (191, 0, 191), (191, 0, 0),
        (0, 0, 191), (0, 0, 0)]
TOLERANCE = 16  # scaling across the bar edges stays out of the sampled middle; a limited-range
                # mix-up is off by 11-16 on the bright bars, a wrong matrix or order by far more


def fb_of(driver):
    for name in glob.glob("/sys/class/graphics/fb*/name"):
        if driver in open(name).read():
            return os.path.basename(os.path.dirname(name))
    return None


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    fb = fb_of("vkms")
    if not fb:
        fail("no vkms framebuffer")
    subprocess.run(["v4l2-ctl", "-d", DEV, "-c", "osd_text_mode=2,test_pattern=0"], check=True)
    cfg = os.path.join(TMP, "preview.json")
    with open(cfg, "w") as f:
        json.dump({"service": {"base_url": "https://127.0.0.1:9"},
                   "spool": {"dir": os.path.join(TMP, "preview-spool")},
                   "camera": {"backend": "v4l2", "device": DEV, "format": "yuyv",
                              "width": 640, "height": 480},
                   "display": {"backend": "fbdev", "device": f"/dev/{fb}", "preview_fps": 10},
                   "input": {"backend": "null"}}, f)
    env = dict(os.environ, SNAPSTAGE_API_KEY="sandbox-key")
    kiosk = subprocess.Popen([SNAPSTAGE, "-c", cfg, "--json", "run", "--input",
                              "script:quit@5000"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        ready = shown = None
        deadline = time.monotonic() + 20
        while not shown and time.monotonic() < deadline:
            if not select.select([kiosk.stdout], [], [], 0.5)[0]:
                continue
            line = kiosk.stdout.readline()
            if not line:
                break
            e = json.loads(line)
            if e["event"] == "kiosk.ready":
                ready = e
            if e["event"] == "screen.shown" and e["screen"] == "ready" and e["preview_w"] > 0:
                shown = e
        if not ready or ready.get("preview_fps") != 10:
            fail(f"the kiosk did not start with the preview: {ready} {kiosk.stderr.read()[-400:]}")
        if not shown:
            fail("no preview on the ready screen")
        x, y, w, h = (shown[k] for k in ("preview_x", "preview_y", "preview_w", "preview_h"))
        if abs(w * 3 / 4 - h) > 1:
            fail(f"the preview {w}x{h} lost vivid's 4:3")
        print(f"ok: the ready screen previews vivid at {x},{y} {w}x{h}, 10 frames a second")
        time.sleep(1)  # several frames drawn since
        sysfs = f"/sys/class/graphics/{fb}"
        stride = int(open(f"{sysfs}/stride").read())
        yoff = int(open(f"{sysfs}/pan").read().split(",")[1])
        with open(f"/dev/{fb}", "rb") as f:
            data = f.read()
        bad, seen = [], []
        for i, want in enumerate(BARS):
            acc, n = [0, 0, 0], 0
            for yy in range(h // 4, 3 * h // 4, 4):
                for xx in range(i * w // 8 + w // 32, (i + 1) * w // 8 - w // 32, 2):
                    o = (yoff + y + yy) * stride + 4 * (x + xx)
                    acc[0] += data[o + 2]
                    acc[1] += data[o + 1]
                    acc[2] += data[o]
                    n += 1
            got = tuple(round(a / n) for a in acc)
            seen.append(got)
            if max(abs(a - b) for a, b in zip(got, want)) > TOLERANCE:
                bad.append(f"bar {i}: {got}, not {want}")
        if bad:
            fail("the preview does not show vivid's bars: " + "; ".join(bad))
        print(f"ok: the framebuffer shows vivid's 8 colour bars in the preview: {seen}")
        if kiosk.wait(timeout=20) != 0:
            fail("the kiosk did not stop cleanly: " + kiosk.stderr.read()[-400:])
        print("all checks passed")
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
        subprocess.run(["v4l2-ctl", "-d", DEV, "-c", "osd_text_mode=0"], check=False)


if __name__ == "__main__":
    main()
