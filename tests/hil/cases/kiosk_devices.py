# SPDX-License-Identifier: MIT
# hil-timeout: 120
# The kiosk's display and input backends against real kernel drivers: `snapstage show` on the
# vfb framebuffer, the picture read back from the driver and compared with the photo; the GPIO
# button on a gpio-sim line (its pull switched as a finger would), and the Enter key of a uinput
# keyboard, each reaching `snapstage run` as a press. Runs inside the VM (tests/hil).
import fcntl
import glob
import json
import os
import signal
import struct
import subprocess
import sys
import time

SNAPSTAGE = os.environ.get("SNAPSTAGE", "")
SRC = os.environ.get("HIL_SRC", ".")
TMP = os.environ.get("HIL_TMP", "/tmp")
PHOTO = os.path.join(SRC, "tests", "data", "photos", "lakeside-640.jpg")
sys.path.insert(0, os.path.join(SRC, "tests", "hil"))
import hil_guest  # noqa: E402

check = hil_guest.check


def vfb():
    for name in glob.glob("/sys/class/graphics/fb*/name"):
        if "Virtual FB" in open(name).read():
            return os.path.basename(os.path.dirname(name))
    return None


def test_fbdev_on_vfb():
    fb = vfb()
    if not fb:
        check(False, "vfb is loaded")
        return
    sysfs = f"/sys/class/graphics/{fb}"
    w, h = map(int, open(f"{sysfs}/virtual_size").read().split(","))
    r = subprocess.run([SNAPSTAGE, "--json", "show", PHOTO, "--display", f"fbdev:/dev/{fb}"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"show on /dev/{fb}", r.stderr)
    if r.returncode != 0:
        return
    shown = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")][-1]
    stride = int(open(f"{sysfs}/stride").read())
    yoff = int(open(f"{sysfs}/pan").read().split(",")[1])
    with open(f"/dev/{fb}", "rb") as f:
        data = f.read()
    ppm = subprocess.run(["djpeg", "-pnm", PHOTO], capture_output=True, check=True).stdout
    _, dims, _, px = ppm.split(b"\n", 3)
    pw, ph = map(int, dims.split())
    check((shown["width"], shown["height"]) == (pw, ph), "the photo at its own size", shown)
    x0, y0 = shown["x"], shown["y"]
    red_first = shown["format"] == "xbgr8888"  # vfb's 32-bit layout: red at bit 0
    print(f"vfb {w}x{h}, stride {stride}, format {shown['format']}, picture at {x0},{y0}")
    diff = n = 0
    for y in range(0, ph, 9):
        for x in range(0, pw, 9):
            o = (yoff + y0 + y) * stride + 4 * (x0 + x)
            r_, g, b = data[o], data[o + 1], data[o + 2]
            if not red_first:
                r_, b = b, r_
            p = 3 * (y * pw + x)
            diff += abs(r_ - px[p]) + abs(g - px[p + 1]) + abs(b - px[p + 2])
            n += 3
    check(n > 0 and diff / n < 2.0, "the framebuffer holds the photo's pixels",
          f"mean difference {diff / max(n, 1):.1f}")


def kiosk(input_spec):
    cfg = os.path.join(TMP, "kiosk.json")
    with open(cfg, "w") as f:
        json.dump({"spool": {"dir": os.path.join(TMP, "spool")},
                   "camera": {"backend": "null"}, "display": {"backend": "null"}}, f)
    env = dict(os.environ, SNAPSTAGE_API_KEY="sandbox-key")
    return subprocess.Popen([SNAPSTAGE, "-c", cfg, "--json", "run", "--input", input_spec,
                             "--countdown", "30"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_event(proc, name, seconds=20):
    return hil_guest.wait_event(proc, name, seconds)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        return -1


def test_gpio_button():
    chip, sysfs = os.environ.get("HIL_GPIO_CHIP"), os.environ.get("HIL_GPIO_SYSFS")
    if not chip or not sysfs:
        check(False, "gpio-sim is set up")
        return
    proc = kiosk(f"gpio,chip={chip},line=0,debounce_ms=5")
    check(wait_event(proc, "kiosk.ready") is not None, "the kiosk starts with the GPIO button")
    with open(f"{sysfs}/sim_gpio0/pull", "w") as f:
        f.write("pull-up")  # pressed: the line goes high
    time.sleep(0.2)
    with open(f"{sysfs}/sim_gpio0/pull", "w") as f:
        f.write("pull-down")  # released
    e = wait_event(proc, "input")
    check(e is not None and e["kind"] == "press", "a gpio-sim edge pair is a press", e)
    check(wait_event(proc, "kiosk.state") is not None, "and starts the countdown")
    check(stop(proc) == 0, "the kiosk stops cleanly on SIGTERM")


# uinput (linux/uinput.h): a keyboard with the Enter key.
UI_SET_EVBIT, UI_SET_KEYBIT = 0x40045564, 0x40045565
UI_DEV_SETUP, UI_DEV_CREATE, UI_DEV_DESTROY = 0x405c5503, 0x5501, 0x5502
EV_SYN, EV_KEY, KEY_ENTER = 0, 1, 28


def test_uinput_key():
    fd = os.open("/dev/uinput", os.O_WRONLY | os.O_NONBLOCK)
    fcntl.ioctl(fd, UI_SET_EVBIT, EV_KEY)
    fcntl.ioctl(fd, UI_SET_KEYBIT, KEY_ENTER)
    name = b"snapstage test keyboard"
    setup = struct.pack("<HHHH80sI", 0x03, 0x1234, 0x5678, 1, name, 0)  # BUS_USB
    fcntl.ioctl(fd, UI_DEV_SETUP, setup)
    fcntl.ioctl(fd, UI_DEV_CREATE)
    try:
        node = None
        for _ in range(50):
            for n in glob.glob("/sys/class/input/event*/device/name"):
                if open(n).read().strip() == name.decode():
                    node = "/dev/input/" + n.split("/")[4]
            if node and os.path.exists(node):
                break
            time.sleep(0.1)
        check(node is not None, "the uinput keyboard appears", node)
        if not node:
            return
        proc = kiosk(f"evdev:{node}")
        check(wait_event(proc, "kiosk.ready") is not None, "the kiosk starts with the keyboard")

        def emit(t, code, value):
            os.write(fd, struct.pack("<qqHHi", 0, 0, t, code, value))

        emit(EV_KEY, KEY_ENTER, 1)
        emit(EV_SYN, 0, 0)
        time.sleep(0.1)
        emit(EV_KEY, KEY_ENTER, 0)
        emit(EV_SYN, 0, 0)
        e = wait_event(proc, "input")
        check(e is not None and e["kind"] == "press", "Enter on the uinput keyboard is a press", e)
        check(stop(proc) == 0, "the kiosk stops cleanly on SIGTERM")
    finally:
        fcntl.ioctl(fd, UI_DEV_DESTROY)
        os.close(fd)


def main():
    if not SNAPSTAGE:
        print("no SNAPSTAGE binary")
        sys.exit(1)
    test_fbdev_on_vfb()
    test_gpio_button()
    test_uinput_key()
    sys.exit(hil_guest.summary())


if __name__ == "__main__":
    main()
