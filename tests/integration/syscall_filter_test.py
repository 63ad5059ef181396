#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The kiosk under its systemd unit's system-call filter. The unit (packaging/systemd) allows
# @system-service less @privileged and @resources and fails anything else with EPERM; a call
# the product needs outside that set would break it only on a device. This test reads the
# filter from the unit, expands the groups with the machine's `systemd-analyze syscall-filter`,
# and runs the product under the same filter (tests/support/seccomp_exec): a whole `submit`
# against the sandbox, `show`, and the kiosk's own tests (the loop with the control socket,
# photos queued offline, the live preview, `show --hold`), every snapstage process filtered.
# The demo is left out: it starts the sandbox, which the unit never runs.
# Usage: syscall_filter_test.py SNAPSTAGE SECCOMP_EXEC DATA_DIR. Exits 77 (skipped) without
# systemd-analyze.
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
UNIT = os.path.join(ROOT, "packaging", "systemd", "snapstage.service")
sys.path.insert(0, HERE)
import kiosk_test  # noqa: E402  (the kiosk's own tests, run again under the filter)


def groups():
    """{"@group": [members, "@nested", ...]} from systemd-analyze."""
    out = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True, text=True,
                         check=True).stdout
    found, current = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            current = found.setdefault(line.strip(), [])
        elif current is not None and line.strip() and not line.strip().startswith("#"):
            current.append(line.strip())
    return found


def expand(name, table, seen=None):
    seen = set() if seen is None else seen
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    if name not in table:
        raise SystemExit(f"syscall_filter_test: systemd-analyze knows no group {name}")
    names = set()
    for member in table[name]:
        names |= expand(member, table, seen)
    return names


def allowed_by_unit():
    """The system calls the unit's SystemCallFilter= lines allow, as systemd reads them: the
    first (an allow list) sets them, each later ~ list takes its members away."""
    table = groups()
    allowed = None
    with open(UNIT) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("SystemCallFilter="):
                continue
            value = line.split("=", 1)[1]
            deny = value.startswith("~")
            names = set()
            for item in value.lstrip("~").split():
                names |= expand(item, table)
            if allowed is None:
                if deny:
                    raise SystemExit("syscall_filter_test: the unit starts with a deny list")
                allowed = names
            elif deny:
                allowed -= names
            else:
                allowed |= names
    if not allowed:
        raise SystemExit("syscall_filter_test: no SystemCallFilter= in the unit")
    return allowed


class FilteredTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="snapstage-seccomp-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_the_filter_is_in_force(self):
        # chroot(2) is @privileged: refused under the filter even to root, allowed without it.
        if os.geteuid() != 0:
            self.skipTest("needs root to tell the filter's EPERM from the kernel's")
        plain = subprocess.run(["chroot", "/", "true"], capture_output=True, text=True)
        self.assertEqual(plain.returncode, 0, plain.stderr)
        r = subprocess.run([SECCOMP, ALLOWLIST, "--", "chroot", "/", "true"],
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Operation not permitted", r.stderr)

    def test_a_whole_job_and_show_work_under_the_filter(self):
        sandbox = kiosk_test.Sandbox(os.path.join(self.dir, "sandbox"))
        self.addCleanup(sandbox.stop)
        key = os.path.join(self.dir, "api-key")
        with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("sandbox-key\n")
        config = os.path.join(self.dir, "snapstage.json")
        with open(config, "w") as f:
            json.dump({"service": {"base_url": sandbox.line["base_url"], "api_key_file": key,
                                   "widgets": {
                                       "widget-space-tool-virtual-staging": [
                                           "item-bedroom-widget-space-tool-virtual-staging"],
                                       "widget-style-tool-virtual-staging": [
                                           "item-modern-widget-style-tool-virtual-staging"]}},
                       "tls": {"ca_file": sandbox.line["ca_file"]},
                       "spool": {"dir": os.path.join(self.dir, "spool")},
                       "poll": {"min_interval_s": 0.1, "max_interval_s": 0.5}}, f)
        photo = os.path.join(DATA, "photos", "lakeside-640.jpg")
        out = os.path.join(self.dir, "out")
        r = subprocess.run([WRAPPER, "-c", config, "--json", "submit", photo, "--out", out],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        saved = [json.loads(l) for l in r.stdout.splitlines() if '"result.saved"' in l]
        self.assertEqual(len(saved), 1, r.stdout)
        with open(saved[0]["path"], "rb") as f:
            self.assertEqual(f.read(2), b"\xff\xd8")  # a JPEG, downloaded under the filter
        screens = os.path.join(self.dir, "screens")
        os.mkdir(screens)
        r = subprocess.run([WRAPPER, "--json", "show", "--display", f"file:{screens}",
                            saved[0]["path"]], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.listdir(screens), ["screen-0001.png"])


def main():
    global SECCOMP, ALLOWLIST, WRAPPER, DATA
    binary, SECCOMP, DATA = (os.path.abspath(a) for a in sys.argv[1:4])
    if not shutil.which("systemd-analyze"):
        print("syscall_filter_test: systemd-analyze is missing; skipped")
        sys.exit(77)
    work = tempfile.mkdtemp(prefix="snapstage-seccomp-")
    try:
        allowed = allowed_by_unit()
        ALLOWLIST = os.path.join(work, "allowed")
        with open(ALLOWLIST, "w") as f:
            f.write("\n".join(sorted(allowed)) + "\n")
        WRAPPER = os.path.join(work, "snapstage")
        with open(WRAPPER, "w") as f:
            # LeakSanitizer (the sanitizer build) stops the process's threads with ptrace at
            # exit, which the filter refuses: leaks are the other tests' business.
            f.write("#!/bin/sh\nASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "
                    f'exec "{SECCOMP}" "{ALLOWLIST}" -- "{binary}" "$@"\n')
        os.chmod(WRAPPER, 0o755)
        print(f"{len(allowed)} system calls allowed by {os.path.relpath(UNIT, ROOT)}")
        kiosk_test.BIN, kiosk_test.DATA = WRAPPER, DATA
        loader = unittest.defaultTestLoader
        suite = unittest.TestSuite(loader.loadTestsFromTestCase(FilteredTest))
        for case in (kiosk_test.KioskTest, kiosk_test.ShowTest, kiosk_test.PreviewTest):
            for name in loader.getTestCaseNames(case):
                if "demo" not in name:
                    suite.addTest(case(name))
        result = unittest.TextTestRunner(verbosity=2).run(suite)
        failed = len(result.failures) + len(result.errors)
        print(f"{result.testsRun - failed} passed, {failed} failed")
        sys.exit(1 if failed else 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
