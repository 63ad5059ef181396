# SPDX-License-Identifier: MIT
# The VM offers the virtual devices the other cases drive: a vivid webcam, vimc, vkms and vfb,
# gpio-sim, uinput, and the loopback network. A missing one fails here first, with its name.
set -u
fail=0
need() {
    if [ -e "$1" ]; then echo "ok: $1 ($2)"; else echo "MISSING: $1 ($2)"; fail=1; fi
}
card=$(grep -l vivid /sys/class/video4linux/video*/name 2>/dev/null | head -n1)
[ -n "$card" ] && echo "ok: vivid at /dev/$(basename "$(dirname "$card")")" || { echo "MISSING: vivid"; fail=1; }
grep -qi vimc /sys/bus/media/devices/*/model 2>/dev/null && echo "ok: vimc" || { echo "MISSING: vimc"; fail=1; }
ls /sys/module | grep -qx vkms && need /dev/dri/card0 "vkms" || { echo "MISSING: vkms"; fail=1; }
grep -q "Virtual FB" /sys/class/graphics/fb*/name && echo "ok: vfb" || { echo "MISSING: vfb"; fail=1; }
need "${HIL_GPIO_CHIP:-/dev/gpiochip-none}" "gpio-sim"
need /dev/uinput "uinput"
ip -o addr show lo | grep -q 127.0.0.1 && echo "ok: loopback up" || { echo "MISSING: loopback"; fail=1; }
ip -o link | grep -v ': lo:' && { echo "UNEXPECTED: a network device besides lo"; fail=1; }
exit $fail
