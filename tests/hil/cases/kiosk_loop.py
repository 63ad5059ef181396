# SPDX-License-Identifier: MIT
# hil-timeout: 150
# The whole kiosk loop on real kernel drivers: vivid as the camera, vkms through the drm display
# backend, the sandbox inside the VM on loopback, twice: with a button on a gpio-sim line (its
# pull switched as a finger would), whose press must end with the before and after on the
# screen; then with a uinput touchscreen, where a tap does the same, and a tap on the result
# screen shows the result alone, the next one the photo alone. Each of those screens is read back
# through vkms' writeback connector and its picture compared with the downloaded result or the
# photo. Runs inside the VM (tests/hil).
import json
import os
import select
import signal
import subprocess
import sys
import time

SNAPSTAGE = os.environ.get("SNAPSTAGE", "")
WRITEBACK = os.environ.get("DRM_WRITEBACK", "")
SRC = os.environ.get("HIL_SRC", ".")
TMP = os.environ.get("HIL_TMP", "/tmp")
sys.path.insert(0, os.path.join(SRC, "tests", "hil"))
import hil_guest  # noqa: E402


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def compare(card, pid, shown, picture, what):
    """Reads the screen back and compares its picture box with `picture` (a JPEG)."""
    x, y, w, h = (shown[k] for k in ("after_x", "after_y", "after_w", "after_h"))
    screen = hil_guest.screenshot(card, pid, os.path.join(TMP, "loop-screen.ppm"))
    ref = hil_guest.decode(picture, w)
    if ref[:2] != (w, h):
        fail(f"{what}: sizes differ: decoded {ref[0]}x{ref[1]}, drawn {w}x{h}")
    d = hil_guest.mean_difference(screen, x, y, ref, step=5)
    if d >= 2.0:
        fail(f"the screen does not show {what} (mean difference {d:.1f})")
    print(f"ok: the screen shows {what}, {w}x{h} (mean difference {d:.2f})")


def press_gpio(sysfs):
    with open(f"{sysfs}/sim_gpio0/pull", "w") as f:
        f.write("pull-up")  # pressed: the line goes high
    time.sleep(0.2)
    with open(f"{sysfs}/sim_gpio0/pull", "w") as f:
        f.write("pull-down")  # released


def run_loop(card, cfg_base, input_spec, press, name, after_result=None):
    """Starts the kiosk with `input_spec`, presses with `press()`, waits for the result screen
    and compares it; then `after_result(kiosk, wait)` if given; then stops the kiosk."""
    cfg = os.path.join(TMP, f"loop-{name}.json")
    with open(cfg, "w") as f:
        json.dump(dict(cfg_base, input=input_spec), f)
    env = dict(os.environ, SNAPSTAGE_API_KEY="sandbox-key")
    kiosk = subprocess.Popen([SNAPSTAGE, "-c", cfg, "--json", "run", "--countdown", "1"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events = []

    def wait(event, seconds):
        return hil_guest.wait_event(kiosk, event, seconds, events)

    try:
        if not wait("kiosk.ready", 30):
            fail("the kiosk did not start: " + kiosk.stderr.read()[-500:])
        print(f"ok: the kiosk is up on vivid, drm on {card} and the {name}")
        press()
        got = wait("input", 10)
        if not got or got["kind"] not in ("press", "tap"):
            fail(f"the {name} did not reach the kiosk: {got}")
        if got["kind"] == "tap" and not 9000 <= got["y"] <= 10000:
            fail(f"the tap did not reach the kiosk with its place: {got}")
        result = wait("kiosk.result", 90)
        if not result:
            fail(f"no result after the {name}: %s" % [e["event"] for e in events][-12:])
        shown = wait("screen.shown", 10)
        if not shown or shown["screen"] != "result":
            fail(f"the result screen was not drawn: {shown}")
        print(f"ok: a {got['kind']} on the {name} ended with the result on the screen")
        compare(card, kiosk.pid, shown, result["after"], "the downloaded result")
        if after_result:
            after_result(kiosk, wait, result)
    finally:
        kiosk.send_signal(signal.SIGTERM)
        try:
            kiosk.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kiosk.kill()
    if kiosk.returncode != 0:
        fail(f"the kiosk exited with {kiosk.returncode} on SIGTERM")


def main():
    if not WRITEBACK:
        print("skipped: this build has no drm display (libdrm was not found)")
        sys.exit(77)
    card = hil_guest.vkms_card()
    if not card:
        fail("vkms is not loaded")
    chip, sysfs = os.environ.get("HIL_GPIO_CHIP"), os.environ.get("HIL_GPIO_SYSFS")
    if not chip or not sysfs:
        fail("gpio-sim is not set up")
    touch = hil_guest.Touchscreen()
    if not touch.node:
        fail("the uinput touchscreen did not appear")
    keep = hil_guest.hold_open(card)  # noqa: F841 (open until the end)
    before = hil_guest.crtc_state(card)
    state = os.path.join(TMP, "loop-sandbox")
    sandbox = subprocess.Popen([sys.executable, os.path.join(SRC, "tools/sandbox/sandbox.py"),
                                "--port", "0", "--state", state, "--quiet", "--rate-limit", "off",
                                "--process-seconds", "0.5"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = json.loads(sandbox.stdout.readline())
    base = {"service": {"base_url": line["base_url"], "widgets": {
        "widget-space-tool-virtual-staging": ["item-bedroom-widget-space-tool-virtual-staging"],
        "widget-style-tool-virtual-staging": ["item-modern-widget-style-tool-virtual-staging"]}},
        "tls": {"ca_file": line["ca_file"]},
        "spool": {"dir": os.path.join(TMP, "loop-spool")},
        "camera": {"backend": "v4l2", "device": "/dev/video0", "format": "yuyv",
                   "width": 640, "height": 480},
        "display": {"backend": "drm", "device": card},
        "poll": {"min_interval_s": 0.2, "max_interval_s": 0.5}}

    def toggle(kiosk, wait, result):
        for view, picture in (("the result alone", result["after"]),
                              ("the photo alone", result["before"])):
            touch.tap(0.3, 0.5)
            shown = wait("screen.shown", 10)
            if not shown or shown["screen"] != "result":
                fail(f"a tap on the result screen did not redraw it: {shown}")
            compare(card, kiosk.pid, shown, picture, view)

    try:
        run_loop(card, base, {"backend": "gpio", "chip": chip, "line": 0, "debounce_ms": 5},
                 lambda: press_gpio(sysfs), "gpio-sim button")
        # below the style rows: a tap anywhere else is the button
        run_loop(card, base, {"backend": "evdev", "device": touch.node},
                 lambda: touch.tap(0.5, 0.95), "touchscreen", after_result=toggle)
    finally:
        sandbox.terminate()
        sandbox.wait()
        touch.close()
    if hil_guest.crtc_state(card) != before:
        fail(f"the CRTC was not put back: {before} then {hil_guest.crtc_state(card)}")
    print("ok: the kiosk stops cleanly and the console's CRTC state is back")
    print("all checks passed")


if __name__ == "__main__":
    main()
