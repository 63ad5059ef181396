#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The VM test bed: real kernel drivers (vivid, vimc, vkms, vfb, gpio-sim, uinput, ext4 on
# virtio-blk) in a qemu VM running the stock Debian kernel, with host binaries run unchanged.
#   hil.py image                      build (or find) the cached image; print its folder
#   hil.py run [OPTIONS] -- CMD...    run CMD in one boot; its output and exit code come back
#   hil.py suite --results DIR [--snapstage BIN] [--env K=V]... [NAME...]
#                                     every in-VM case (cases/*.sh, cases/*.py) in one boot
#   hil.py result --results DIR NAME  one case's outcome from the suite: its log and exit code
# Exit code 77 means skipped: qemu or the packages the image needs cannot be had here.
import argparse
import glob
import os
import shlex
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hil_image  # noqa: E402
import hil_vm  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SKIP = 77


def in_vm_cases():
    """Cases run inside the suite's boot; NAME.host.py cases drive their own VMs."""
    paths = glob.glob(os.path.join(HERE, "cases", "*.sh")) + \
        glob.glob(os.path.join(HERE, "cases", "*.py"))
    return sorted(p for p in paths if not p.endswith(".host.py"))


def case_name(path):
    return os.path.basename(path).rsplit(".", 1)[0]


def cmd_image(_args):
    print(hil_image.image())
    return 0


def cmd_run(args):
    image = hil_image.image()
    rc, out, err, tail, wall = hil_vm.run(image, " ".join(shlex.quote(a) for a in args.cmd),
                                          rw=args.rw, disk=args.disk, mods=args.mods,
                                          timeout_s=args.timeout, mem_mb=args.mem,
                                          smp=args.smp)
    sys.stdout.write(out)
    sys.stderr.write(err)
    if tail:
        sys.stderr.write(f"hil: no exit code from the guest; console:\n{tail}\n")
    print(f"hil: VM wall {wall:.1f} s, exit code {rc}", file=sys.stderr)
    return rc


def write_result(results, name, rc, text):
    with open(os.path.join(results, f"{name}.log"), "w") as f:
        f.write(text)
    with open(os.path.join(results, f"{name}.rc"), "w") as f:
        f.write(f"{rc}\n")


def cmd_suite(args):
    os.makedirs(args.results, exist_ok=True)
    for old in glob.glob(os.path.join(args.results, "*")):
        os.remove(old)
    cases = [c for c in in_vm_cases() if not args.names or case_name(c) in args.names]
    try:
        image = hil_image.image()
    except hil_image.Unavailable as e:
        for c in cases:
            write_result(args.results, case_name(c), SKIP, f"skipped: {e}\n")
        print(f"hil: skipped: {e}")
        return SKIP
    script = f"exec /bin/bash {shlex.quote(os.path.join(HERE, 'guest', 'suite.sh'))} " + \
        " ".join(shlex.quote(c) for c in cases)
    env = {"HIL_RESULTS": os.path.abspath(args.results), "HIL_SRC": ROOT,
           "SNAPSTAGE": os.path.abspath(args.snapstage) if args.snapstage else ""}
    env.update(kv.split("=", 1) for kv in args.env)
    t0 = time.monotonic()
    rc, out, err, tail, wall = hil_vm.run(image, script, cwd=ROOT, env=env,
                                          rw=[os.path.abspath(args.results)],
                                          timeout_s=args.timeout)
    sys.stdout.write(out)
    sys.stderr.write(err)
    print(f"hil: {len(cases)} case(s) in one boot, VM wall {wall:.1f} s")
    missing = [case_name(c) for c in cases
               if not os.path.exists(os.path.join(args.results, f"{case_name(c)}.rc"))]
    for name in missing:
        write_result(args.results, name, hil_vm.NO_CODE,
                     f"no result: the VM stopped first (exit {rc}, {time.monotonic() - t0:.0f} s)"
                     f"\n{tail}\n")
    if rc != 0 or missing:
        print(f"hil: the suite's boot ended with {rc}; not run: {' '.join(missing) or 'none'}")
        if tail:
            print(tail)
        return 1
    return 0


def cmd_result(args):
    try:
        with open(os.path.join(args.results, f"{args.name}.rc")) as f:
            rc = int(f.read().strip())
        with open(os.path.join(args.results, f"{args.name}.log"), errors="replace") as f:
            sys.stdout.write(f.read())
    except (OSError, ValueError):
        print(f"hil: no result for {args.name} (did the suite run?)")
        return 1
    return rc


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="what", required=True)
    sub.add_parser("image").set_defaults(fn=cmd_image)
    r = sub.add_parser("run")
    r.add_argument("--rw", action="append", default=[], help="host folder shared read-write")
    r.add_argument("--disk", help="raw disk image attached as /dev/vda")
    r.add_argument("--mods", help="module groups: camera,display,gpio,input,disk (default all)")
    r.add_argument("--timeout", type=int, default=120)
    r.add_argument("--mem", type=int, default=1024)
    r.add_argument("--smp", type=int, default=2)
    r.add_argument("cmd", nargs="+")
    r.set_defaults(fn=cmd_run)
    s = sub.add_parser("suite")
    s.add_argument("--results", required=True)
    s.add_argument("--snapstage")
    s.add_argument("--env", action="append", default=[], help="KEY=VALUE for every case")
    s.add_argument("--timeout", type=int, default=170)
    s.add_argument("names", nargs="*")
    s.set_defaults(fn=cmd_suite)
    o = sub.add_parser("result")
    o.add_argument("--results", required=True)
    o.add_argument("name")
    o.set_defaults(fn=cmd_result)
    args = p.parse_args()
    try:
        return args.fn(args)
    except hil_image.Unavailable as e:
        print(f"hil: skipped: {e}")
        return SKIP


if __name__ == "__main__":
    sys.exit(main())
