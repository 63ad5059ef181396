# SPDX-License-Identifier: MIT
# Helpers for the display and input cases that run inside the VM (tests/hil/cases/*.py): the
# vkms card, its CRTC state and what it shows (read back through the writeback connector with
# tests/hil/tools/drm_writeback), JPEG decoding with djpeg, picture comparison, the colour bars
# of vivid's and vimc's test pattern, a uinput touchscreen, waiting for a JSON event of a
# snapstage process, and the checks a case reports.
import fcntl
import glob
import json
import os
import select
import struct
import subprocess
import time

WRITEBACK = os.environ.get("DRM_WRITEBACK", "")
failures = []


def check(cond, what, detail=""):
    """Prints "ok: WHAT" or "FAIL: WHAT (DETAIL)" and remembers a failure; returns `cond`."""
    print(("ok: " if cond else "FAIL: ") + what + (f" ({detail})" if detail and not cond else ""))
    if not cond:
        failures.append(what)
    return cond


def summary():
    """Prints how the checks went; returns the case's exit code."""
    print("%d checks failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


def vkms_card():
    """The vkms card, found by its device's name (card numbers follow module load order)."""
    for dev in sorted(glob.glob("/sys/class/drm/card[0-9]*/device")):
        if "-" in os.path.basename(os.path.dirname(dev)):
            continue  # a connector, not a card
        if os.path.basename(os.path.realpath(dev)) == "vkms":
            return "/dev/dri/" + os.path.basename(os.path.dirname(dev))
    return None


def hold_open(card):
    """Opens `card` and gives up master at once, for the caller to keep open while programs
    come and go: the kernel then has no last close at which its fbdev emulation would put the
    console back itself, so what is on the CRTC after a program exits is what that program
    put back."""
    fd = os.open(card, os.O_RDWR)
    fcntl.ioctl(fd, 0x641f)  # DRM_IOCTL_DROP_MASTER
    return fd


def crtc_state(card):
    """One dict per CRTC of `card`: its id, framebuffer and mode."""
    r = subprocess.run([WRITEBACK, "state", card], capture_output=True, text=True, timeout=10)
    return [json.loads(l) for l in r.stdout.splitlines()]


def read_ppm(data):
    """(width, height, RGB bytes) of a binary PPM."""
    _, dims, _, px = data.split(b"\n", 3)
    w, h = map(int, dims.split())
    return w, h, px


def screenshot(card, pid, path):
    """What `card` shows, through its writeback connector, as (width, height, RGB bytes); `pid`
    is the DRM master's process. Raises RuntimeError with the tool's message."""
    r = subprocess.run([WRITEBACK, "capture", card, str(pid), path], capture_output=True,
                       text=True, timeout=20)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    with open(path, "rb") as f:
        return read_ppm(f.read())


def decode(jpeg, width=None):
    """(width, height, RGB bytes) of a JPEG, scaled in the decoder (M/8) to `width` if given."""
    args = ["djpeg", "-pnm"]
    if width:
        full = read_ppm(subprocess.run(["djpeg", "-pnm", jpeg], capture_output=True,
                                       check=True).stdout)[0]
        args += ["-scale", "%d/8" % round(width * 8 / full)]
    return read_ppm(subprocess.run(args + [jpeg], capture_output=True, check=True).stdout)


def bar_means(jpeg, width):
    """Mean RGB of the middle of each of the eight colour bars across a JPEG `width` wide (the
    test pattern of vivid and vimc), decoded by djpeg at most 480 wide."""
    scale = 1 if width <= 480 else 2 if width <= 960 else 4
    w, h, px = read_ppm(subprocess.run(["djpeg", "-scale", f"1/{scale}", "-pnm", jpeg],
                                       capture_output=True, check=True).stdout)
    means = []
    for i in range(8):
        x0, x1 = i * w // 8 + w // 32, (i + 1) * w // 8 - w // 32
        acc, n = [0, 0, 0], 0
        for y in range(h // 4, 3 * h // 4, 2):
            row = px[(y * w + x0) * 3:(y * w + x1) * 3]
            for c in range(3):
                acc[c] += sum(row[c::3])
            n += x1 - x0
        means.append(tuple(round(a / n) for a in acc))
    return means


def mean_difference(screen, x, y, picture, step=3):
    """Mean absolute difference per channel between `picture` (w, h, RGB) and the part of
    `screen` (w, h, RGB) at x, y; every `step`-th row and column."""
    sw, _, spx = screen
    pw, ph, ppx = picture
    diff = n = 0
    for yy in range(0, ph, step):
        a = 3 * ((y + yy) * sw + x)
        row, want = spx[a:a + 3 * pw], ppx[3 * yy * pw:3 * (yy + 1) * pw]
        for i in range(0, 3 * pw, 3 * step):
            diff += abs(row[i] - want[i]) + abs(row[i + 1] - want[i + 1]) + \
                abs(row[i + 2] - want[i + 2])
            n += 3
    return diff / max(n, 1)


_unread = {}  # Popen -> bytes read from its stdout past the last line handed out


def read_line(proc, seconds):
    """The next line of proc's stdout within `seconds`, else None (also at its end). Reads the
    descriptor itself: a buffered readline() after select() would leave a second line that
    came in the same read waiting in the buffer while select() sees nothing more to read."""
    fd = proc.stdout.fileno()
    buf = _unread.setdefault(proc, bytearray())
    deadline = time.monotonic() + seconds
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 65536)
        if not chunk:
            return None
        buf += chunk
    line, _, rest = bytes(buf).partition(b"\n")
    _unread[proc] = bytearray(rest)
    return line.decode()


def wait_event(proc, name, seconds, seen=None):
    """The next JSON line on proc's stdout whose "event" is `name` (None: a line that is not an
    event) within `seconds`, else None. Every line read is appended to `seen` when given."""
    deadline = time.monotonic() + seconds
    while True:
        line = read_line(proc, deadline - time.monotonic())
        if line is None:
            return None
        if not line.startswith("{"):
            continue
        e = json.loads(line)
        if seen is not None:
            seen.append(e)
        if e.get("event") == name:
            return e


# linux/uinput.h and linux/input-event-codes.h
UI_SET_EVBIT, UI_SET_KEYBIT, UI_SET_ABSBIT, UI_SET_PROPBIT = (0x40045564, 0x40045565,
                                                              0x40045567, 0x4004556e)
UI_DEV_SETUP, UI_ABS_SETUP, UI_DEV_CREATE, UI_DEV_DESTROY = 0x405c5503, 0x401c5504, 0x5501, 0x5502
EV_SYN, EV_KEY, EV_ABS, BTN_TOUCH, INPUT_PROP_DIRECT = 0, 1, 3, 0x14a, 1
ABS_X, ABS_Y, ABS_MT_SLOT, ABS_MT_POSITION_X, ABS_MT_POSITION_Y, ABS_MT_TRACKING_ID = (
    0x00, 0x01, 0x2f, 0x35, 0x36, 0x39)


class Touchscreen:
    """A uinput multi-touch screen (protocol B, with the single-touch ABS_X/ABS_Y a kernel
    driver also reports), WIDTH x HEIGHT touch units; `node` is its /dev/input/eventN."""

    def __init__(self, name="snapstage test touchscreen", width=800, height=480):
        self.width, self.height = width, height
        self.fd = os.open("/dev/uinput", os.O_WRONLY | os.O_NONBLOCK)
        fcntl.ioctl(self.fd, UI_SET_EVBIT, EV_KEY)
        fcntl.ioctl(self.fd, UI_SET_KEYBIT, BTN_TOUCH)
        fcntl.ioctl(self.fd, UI_SET_EVBIT, EV_ABS)
        fcntl.ioctl(self.fd, UI_SET_PROPBIT, INPUT_PROP_DIRECT)
        for code, top in ((ABS_X, width - 1), (ABS_Y, height - 1), (ABS_MT_SLOT, 9),
                          (ABS_MT_POSITION_X, width - 1), (ABS_MT_POSITION_Y, height - 1),
                          (ABS_MT_TRACKING_ID, 65535)):
            fcntl.ioctl(self.fd, UI_SET_ABSBIT, code)
            fcntl.ioctl(self.fd, UI_ABS_SETUP, struct.pack("<Hxxiiiiii", code, 0, 0, top, 0, 0, 0))
        fcntl.ioctl(self.fd, UI_DEV_SETUP, struct.pack("<HHHH80sI", 0x18, 0x1234, 0x5679, 1,
                                                       name.encode(), 0))  # BUS_I2C
        fcntl.ioctl(self.fd, UI_DEV_CREATE)
        self.node, self.tracking = None, 0
        for _ in range(50):
            for n in glob.glob("/sys/class/input/event*/device/name"):
                if open(n).read().strip() == name:
                    self.node = "/dev/input/" + n.split("/")[4]
            if self.node and os.path.exists(self.node):
                break
            time.sleep(0.1)

    def _emit(self, t, code, value):
        os.write(self.fd, struct.pack("<qqHHi", 0, 0, t, code, value))

    def tap(self, fx, fy):
        """A finger down and up at (fx, fy), fractions 0..1 of the surface."""
        x, y = round(fx * (self.width - 1)), round(fy * (self.height - 1))
        self.tracking += 1
        for t, code, value in ((EV_ABS, ABS_MT_SLOT, 0), (EV_ABS, ABS_MT_TRACKING_ID, self.tracking),
                               (EV_ABS, ABS_MT_POSITION_X, x), (EV_ABS, ABS_MT_POSITION_Y, y),
                               (EV_KEY, BTN_TOUCH, 1), (EV_ABS, ABS_X, x), (EV_ABS, ABS_Y, y),
                               (EV_SYN, 0, 0)):
            self._emit(t, code, value)
        time.sleep(0.05)
        for t, code, value in ((EV_ABS, ABS_MT_TRACKING_ID, -1), (EV_KEY, BTN_TOUCH, 0),
                               (EV_SYN, 0, 0)):
            self._emit(t, code, value)

    def close(self):
        fcntl.ioctl(self.fd, UI_DEV_DESTROY)
        os.close(self.fd)
