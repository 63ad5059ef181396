# SPDX-License-Identifier: MIT
# hil-timeout: 120
# The libcamera camera backend against the real vimc driver (libcamera's virtual pipeline):
# `snapstage capture --camera libcamera,...` at three sizes and in both of vimc's byte orders,
# each JPEG of the asked size with vimc's colour bars where vimc draws them (the mean colour of
# each bar); a camera picked by id and by index; a size the pipeline adjusts; a format vimc does
# not offer and a camera that is not there, each with its message and exit code; hal_test's
# libcamera tests. Runs inside the VM (tests/hil); skipped when the binary was built without
# libcamera.
import os
import re
import subprocess
import sys
import time

SNAPSTAGE = os.environ.get("SNAPSTAGE", "")
sys.path.insert(0, os.path.join(os.environ.get("HIL_SRC", "."), "tests", "hil"))
import hil_guest  # noqa: E402
HAL_TEST = os.environ.get("HAL_TEST", "")
TMP = os.environ.get("HIL_TMP", "/tmp")
# vimc's sensor draws the same 75 % colour bars as vivid, left to right, as full-range RGB.
BARS = [("white", (191, 191, 191)), ("yellow", (191, 191, 0)), ("cyan", (0, 191, 191)),
        ("green", (0, 191, 0)), ("magenta", (191, 0, 191)), ("red", (191, 0, 0)),
        ("blue", (0, 0, 191)), ("black", (0, 0, 0))]
COLOUR_TOLERANCE = 12  # JPEG; a swapped R and B is off by 191
check = hil_guest.check


def udev_initialised():
    """libcamera lists only devices udev has seen; there is no udevd in the VM. An empty data
    file per media and video4linux node is what it looks for."""
    os.makedirs("/run/udev/data", exist_ok=True)
    for cls in ("/sys/bus/media/devices", "/sys/class/video4linux"):
        for node in os.listdir(cls) if os.path.isdir(cls) else []:
            try:
                with open(os.path.join(cls, node, "dev")) as f:
                    dev = f.read().strip()
            except OSError:
                continue
            open(f"/run/udev/data/c{dev}", "a").close()


def sensor_text(mode):
    """vimc's sensors draw text over the bars' top (3 lines of 16 sensor rows, scaled up with the
    frame): 2 turns it off, 0 back on."""
    base = "/sys/class/video4linux"
    for node in sorted(os.listdir(base)):
        try:
            with open(os.path.join(base, node, "name")) as f:
                name = f.read().strip()
        except OSError:
            continue
        if node.startswith("v4l-subdev") and name.startswith("Sensor"):
            subprocess.run(["v4l2-ctl", "-d", f"/dev/{node}", "-c", f"show_information={mode}"],
                           check=True)


def capture(camera, limit_s=60):
    out = os.path.join(TMP, "c.jpg")
    if os.path.exists(out):
        os.remove(out)
    t0 = time.monotonic()
    r = subprocess.run([SNAPSTAGE, "-v", "capture", "-o", out, "--timeout-ms", "10000", "--camera",
                        camera], capture_output=True, text=True, timeout=limit_s)
    return r, out, time.monotonic() - t0


def jpeg_size(path):
    """(width, height) from the JPEG's start-of-frame segment."""
    with open(path, "rb") as f:
        data = f.read()
    i = 2
    while i + 9 < len(data) and data[i] == 0xFF:
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    return None



def sizes_and_colours():
    # BGR888 (R,G,B in memory) is vimc's default; RGB888 (B,G,R) must come out the same.
    for w, h, fmt, ours in ((1920, 1080, None, "rgb24"), (960, 540, "rgb888", "bgr24"),
                            (384, 216, "rgb", "rgb24")):
        spec = f"libcamera,width={w},height={h}" + (f",format={fmt}" if fmt else "")
        r, out, took = capture(spec)
        what = f"capture {spec}"
        check(r.returncode == 0, f"{what} exits 0 in {took:.1f} s", r.stderr.strip())
        if r.returncode != 0:
            continue
        check(f"{w}x{h} {ours}" in r.stderr, f"{what}: lent as {ours}", r.stderr.strip())
        size = jpeg_size(out)
        check(size == (w, h), f"{what}: the JPEG is {w}x{h}", str(size))
        means = hil_guest.bar_means(out, w)
        bad = [f"{name} {got} not {want}" for (name, want), got in zip(BARS, means)
               if max(abs(a - b) for a, b in zip(got, want)) > COLOUR_TOLERANCE]
        check(not bad, f"{what}: the 8 colour bars in place", "; ".join(bad))


def errors():
    r, _, took = capture("libcamera,format=nv12,width=640,height=480")
    check(r.returncode == 5 and "offers no nv12" in r.stderr,
          "format=nv12, which vimc does not offer: exit 5, names what it offers",
          f"{r.returncode}: {r.stderr.strip()}")
    r, _, took = capture("libcamera,camera=7")
    check(r.returncode == 5 and "has no camera '7'" in r.stderr,
          "camera=7: exit 5, names the cameras there are", f"{r.returncode}: {r.stderr.strip()}")
    # The id named there picks that camera, as its index does.
    m = re.search(r"it has 0: (.*?)(;|\)$)", r.stderr.strip())
    check(m is not None, "camera=7: the message names camera 0's id", r.stderr.strip())
    if m:
        r, out, _ = capture(f"libcamera,camera={m.group(1)},width=768,height=432")
        check(r.returncode == 0 and jpeg_size(out) == (768, 432), "camera=ID: captured",
              f"{r.returncode}: {r.stderr.strip()}")
    # A size the pipeline adjusts (vimc: widths in steps of 12) is logged, and the photo has
    # the adjusted size.
    r, out, _ = capture("libcamera,camera=0,width=640,height=360")
    chose = re.search(r"the pipeline chose (\d+)x(\d+)", r.stderr)
    check(r.returncode == 0 and chose is not None and
          jpeg_size(out) == (int(chose.group(1)), int(chose.group(2))),
          "camera=0 at 640x360: the adjusted size is logged and is the photo's",
          f"{r.returncode}: {r.stderr.strip()}")


def unit_tests():
    """hal_test's libcamera tests, which skip on a machine without a camera, here against vimc:
    leases, every buffer lent, stop and start again."""
    if not HAL_TEST:
        print("note: no hal_test binary given; its libcamera tests not run")
        return
    r = subprocess.run([HAL_TEST, "--gtest_filter=LibcameraCamera.*"], capture_output=True,
                       text=True, timeout=60)
    ran = r.returncode == 0 and "[  PASSED  ] 2 tests" in r.stdout
    check(ran, "hal_test LibcameraCamera.* passes against vimc, none skipped",
          r.stdout[-1500:] + r.stderr[-500:])


def main():
    if not SNAPSTAGE:
        print("skipped: no snapstage binary given")
        return 77
    version = subprocess.run([SNAPSTAGE, "--version"], capture_output=True, text=True).stdout
    if "libcamera" not in version:
        print("skipped: this snapstage was built without libcamera")
        return 77
    check("\nlibcamera 0." in version, "--version names the libcamera version", version)
    udev_initialised()
    t0 = time.monotonic()
    sensor_text(2)
    sizes_and_colours()
    sensor_text(0)
    print(f"-- sizes and colours: {time.monotonic() - t0:.1f} s")
    errors()
    print(f"-- errors: {time.monotonic() - t0:.1f} s")
    unit_tests()
    print(f"-- hal_test: {time.monotonic() - t0:.1f} s")
    return hil_guest.summary()


if __name__ == "__main__":
    sys.exit(main())
