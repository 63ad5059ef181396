#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The kiosk's systemd unit: `systemd-analyze verify` finds nothing wrong with it (its
# Documentation= pages included, rendered from packaging/man where scdoc is installed),
# `systemd-analyze security --offline=true` rates its exposure below 3.0 with the sandboxing the
# package promises, and the kiosk speaks the notify protocol it asks for (READY=1, STATUS=,
# WATCHDOG=1, STOPPING=1) on a NOTIFY_SOCKET the test listens on. The systemd-analyze checks are
# left out, with a message, where it is missing (or too old for --offline).
# Usage: systemd_unit_test.py SNAPSTAGE
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNIT = os.path.join(ROOT, "packaging", "systemd", "snapstage.service")
MAN = os.path.join(ROOT, "packaging", "man")
MAX_EXPOSURE = 3.0
# What the package promises of the unit, whatever the score.
PROMISED = ["Type=notify", "WatchdogSec=", "ProtectSystem=strict", "ProtectHome=yes",
            "NoNewPrivileges=yes", "PrivateTmp=yes", "StateDirectory=snapstage",
            "RuntimeDirectory=snapstage", "DevicePolicy=closed", "DeviceAllow=char-video4linux",
            "DeviceAllow=char-drm", "DeviceAllow=char-input", "DeviceAllow=char-gpiochip",
            "User=snapstage", "Restart=on-failure", "RestartPreventExitStatus=2"]


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}")
        print("0 passed, 1 failed")
        sys.exit(1)


def main():
    binary = os.path.abspath(sys.argv[1])
    passed = 0
    if shutil.which("systemd-analyze"):
        work = tempfile.mkdtemp(prefix="snapstage-unit-")
        # verify resolves ExecStart: point it at the binary under test.
        unit = os.path.join(work, "snapstage.service")
        with open(UNIT) as f:
            text = f.read().replace("/usr/bin/snapstage", binary)
        with open(unit, "w") as f:
            f.write(text)
        for line in PROMISED:
            check(re.search("^" + re.escape(line), text, re.M), f"the unit lacks {line}")
        # verify runs man for each Documentation= page: give it the pages this tree renders.
        env = dict(os.environ)
        have_pages = shutil.which("scdoc") is not None
        if have_pages:
            for src in glob.glob(os.path.join(MAN, "*.scd")):
                name = os.path.basename(src)[:-4]
                os.makedirs(os.path.join(work, "man", "man" + name[-1]), exist_ok=True)
                with open(src, "rb") as f, \
                        open(os.path.join(work, "man", "man" + name[-1], name), "wb") as out:
                    subprocess.run(["scdoc"], stdin=f, stdout=out, check=True)
            env["MANPATH"] = os.path.join(work, "man")
        else:
            print("scdoc not installed: the unit's Documentation= pages are not checked")
        r = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True,
                           env=env)
        problems = [l for l in (r.stdout + r.stderr).splitlines()
                    if "snapstage.service" in l and (have_pages or "Command 'man " not in l)]
        check(r.returncode == 0 and not problems, f"systemd-analyze verify: {r.stderr}")
        passed += 1
        r = subprocess.run(["systemd-analyze", "security", "--offline=true", unit],
                           capture_output=True, text=True)
        m = re.search(r"Overall exposure level for snapstage\.service: ([0-9.]+)", r.stdout)
        if "--offline" in r.stderr and r.returncode != 0:
            print("systemd-analyze is too old for security --offline: exposure not checked")
        else:
            check(m is not None, f"systemd-analyze security: {r.stdout[-400:]} {r.stderr}")
            exposure = float(m.group(1))
            print(f"exposure level {exposure} (at most {MAX_EXPOSURE})")
            check(exposure < MAX_EXPOSURE, f"exposure {exposure} is not below {MAX_EXPOSURE}")
            passed += 1
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("systemd-analyze not installed: the unit file is not checked")
    # The notify protocol, spoken to a socket of ours.
    work = tempfile.mkdtemp(prefix="snapstage-notify-")
    path = os.path.join(work, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(30)
    config = os.path.join(work, "snapstage.json")
    with open(config, "w") as f:
        f.write('{"display": {"backend": "null"}, "camera": {"backend": "pattern", "width": 64,'
                ' "height": 48}, "spool": {"dir": "%s/spool"}}' % work)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="400000",
               SNAPSTAGE_API_KEY="sandbox-key")
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([binary, "-c", config, "run", "--input", "script:quit@1500"],
                            env=env, stderr=subprocess.PIPE, text=True)
    got = []
    deadline = time.time() + 30
    while time.time() < deadline and "STOPPING=1" not in got:
        try:
            got.append(sock.recv(4096).decode())
        except socket.timeout:
            break
    code = proc.wait(timeout=30)
    check(code == 0, f"the kiosk stopped cleanly: {code} {proc.stderr.read()}")
    check(got and got[0] == "READY=1", f"READY=1 first: {got[:3]}")
    check(any(m.startswith("STATUS=") for m in got), f"STATUS lines: {got}")
    check(got.count("WATCHDOG=1") >= 2, f"keep-alives every half period: {got}")
    check(got[-1] == "STOPPING=1", f"STOPPING=1 last: {got[-3:]}")
    passed += 1
    shutil.rmtree(work, ignore_errors=True)
    # Under the journal, stderr lines carry their syslog priority; on a terminal they do not.
    for env_extra, expect in (({"JOURNAL_STREAM": "8:12345"}, "<3>snapstage: "), ({}, "snapstage: ")):
        env = dict(os.environ, **env_extra)
        env.pop("JOURNAL_STREAM", None) if not env_extra else None
        r = subprocess.run([binary, "show", "/no/such.jpg"], capture_output=True, text=True,
                           env=env)
        check(r.stderr.startswith(expect), f"priority prefix {expect!r}: {r.stderr!r}")
    passed += 1
    print(f"{passed} passed, 0 failed")


if __name__ == "__main__":
    main()
