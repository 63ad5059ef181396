# SPDX-License-Identifier: MIT
# hil-timeout: 150
# The whole kiosk loop on real kernel drivers: vivid as the camera, vkms' framebuffer as the
# display, a gpio-sim line as the button, the sandbox inside the VM on loopback. A press of the
# button must end with the before and after on the screen: the result screen is read back from
# the framebuffer and the right-hand picture compared with the downloaded result. Runs inside the
# VM (tests/hil).
import glob
import json
import os
import select
import signal
import subprocess
import sys
import time

SNAPSTAGE = os.environ.get("SNAPSTAGE", "")
SRC = os.environ.get("HIL_SRC", ".")
TMP = os.environ.get("HIL_TMP", "/tmp")


def fb_of(driver):
    for name in glob.glob("/sys/class/graphics/fb*/name"):
        if driver in open(name).read():
            return os.path.basename(os.path.dirname(name))
    return None


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    chip, gsys = os.environ.get("HIL_GPIO_CHIP"), os.environ.get("HIL_GPIO_SYSFS")
    fb = fb_of("vkms")
    if not (chip and gsys and fb):
        fail(f"devices: gpio {chip}, vkms fb {fb}")
    state = os.path.join(TMP, "loop-sandbox")
    sandbox = subprocess.Popen([sys.executable, os.path.join(SRC, "tools/sandbox/sandbox.py"),
                                "--port", "0", "--state", state, "--quiet", "--rate-limit", "off",
                                "--process-seconds", "0.5"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = json.loads(sandbox.stdout.readline())
    cfg = os.path.join(TMP, "loop.json")
    with open(cfg, "w") as f:
        json.dump({"service": {"base_url": line["base_url"], "widgets": {
            "widget-space-tool-virtual-staging": ["item-bedroom-widget-space-tool-virtual-staging"],
            "widget-style-tool-virtual-staging": ["item-modern-widget-style-tool-virtual-staging"]}},
            "tls": {"ca_file": line["ca_file"]},
            "spool": {"dir": os.path.join(TMP, "loop-spool")},
            "camera": {"backend": "v4l2", "device": "/dev/video0", "format": "yuyv",
                       "width": 640, "height": 480},
            "display": {"backend": "fbdev", "device": f"/dev/{fb}"},
            "input": {"backend": "gpio", "chip": chip, "line": 1, "debounce_ms": 5},
            "poll": {"min_interval_s": 0.2, "max_interval_s": 0.5}}, f)
    env = dict(os.environ, SNAPSTAGE_API_KEY="sandbox-key")
    kiosk = subprocess.Popen([SNAPSTAGE, "-c", cfg, "--json", "run", "--countdown", "1"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events = []

    def wait(name, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if select.select([kiosk.stdout], [], [], 0.5)[0]:
                l = kiosk.stdout.readline()
                if not l:
                    return None
                e = json.loads(l)
                events.append(e)
                if e["event"] == name:
                    return e
        return None

    try:
        if not wait("kiosk.ready", 30):
            fail("the kiosk did not start: " + kiosk.stderr.read()[-500:])
        print("ok: the kiosk is up on vivid, /dev/%s and the gpio-sim button" % fb)
        for pull in ("pull-up", "pull-down"):  # a press and its release
            with open(f"{gsys}/sim_gpio1/pull", "w") as f:
                f.write(pull)
            time.sleep(0.2)
        result = wait("kiosk.result", 90)
        if not result:
            fail("no result after the press: %s" % [e["event"] for e in events][-12:])
        shown = wait("screen.shown", 10)
        if not shown or shown["screen"] != "result":
            fail(f"the result screen was not drawn: {shown}")
        print("ok: a button press ended with the result on the screen")
        sysfs = f"/sys/class/graphics/{fb}"
        stride = int(open(f"{sysfs}/stride").read())
        yoff = int(open(f"{sysfs}/pan").read().split(",")[1])
        with open(f"/dev/{fb}", "rb") as f:
            data = f.read()
        x, y, w, h = (shown[k] for k in ("after_x", "after_y", "after_w", "after_h"))
        scale = "%d/8" % round(w * 8 / 640)
        ppm = subprocess.run(["djpeg", "-scale", scale, "-pnm", result["after"]],
                             capture_output=True, check=True).stdout
        _, dims, _, px = ppm.split(b"\n", 3)
        rw, rh = map(int, dims.split())
        if (rw, rh) != (w, h):
            fail(f"sizes differ: result {rw}x{rh}, drawn {w}x{h}")
        diff = n = 0
        for yy in range(0, h, 5):
            for xx in range(0, w, 5):
                o = (yoff + y + yy) * stride + 4 * (x + xx)
                p = 3 * (yy * w + xx)
                diff += abs(data[o + 2] - px[p]) + abs(data[o + 1] - px[p + 1]) + \
                    abs(data[o] - px[p + 2])
                n += 3
        if diff / n >= 2.0:
            fail(f"the screen does not show the result (mean difference {diff / n:.1f})")
        print(f"ok: the screen shows the downloaded result (mean difference {diff / n:.2f})")
    finally:
        kiosk.send_signal(signal.SIGTERM)
        try:
            kiosk.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kiosk.kill()
        sandbox.terminate()
        sandbox.wait()
    print("all checks passed")


if __name__ == "__main__":
    main()
