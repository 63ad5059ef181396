#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The manual pages keep up with the program: every command `snapstage --help` lists has its page
# in packaging/man (and snapstage(1) names it), every key the config reader takes
# (firmware/app/config.cpp, and each backend's options in hal/registry) is explained in
# snapstage.json(5), the packaged configs load, and the example one uses every section. Each page
# renders with scdoc where scdoc is installed.
# Usage: man_pages_test.py SNAPSTAGE
import glob
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAN = os.path.join(ROOT, "packaging", "man")
CONFIG = os.path.join(ROOT, "packaging", "config")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}")
    return cond


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def listed_commands(binary):
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30)
    text = out.stdout + out.stderr
    if "commands:" not in text:
        return []
    block = text.split("commands:", 1)[1]
    return re.findall(r"^  ([a-z][a-z0-9-]*)\s", block, re.M)


def config_keys():
    """(section, key) pairs the config reader takes, read from its source."""
    src = read(os.path.join(ROOT, "firmware", "app", "config.cpp"))
    keys = set()
    top = re.search(r'for \(const char\* k :\s*\{([^}]*)\}\)\s*top\.allow', src)
    sections = re.findall(r'"(\w+)"', top.group(1)) if top else []
    for name in sections:
        keys.add(("", name))
    # void readService(Reader& r, ...) { r.text("vendor", ...); ... }
    for m in re.finditer(r'void read(\w+)\(Reader& r[^{]*\{(.*?)\n\}', src, re.S):
        section = m.group(1).lower()
        body = m.group(2)
        if "r.device(" in body:
            keys.add((section, "backend"))
            keys.add((section, "device"))
            reg = os.path.join(ROOT, "hal", "registry", f"{section}_registry.cpp")
            for opt in re.findall(r'\{"(\w+)", OptionKind::', read(reg)):
                keys.add((section, opt))
        for call in re.findall(r'r\.(?:text|whole|real|flag|textList|object)\("(\w+)"', body):
            keys.add((section, call))
    return sections, keys


def loads(binary, path):
    """The config verdict of `snapstage -c PATH doctor` (the service pointed at a closed port)."""
    r = subprocess.run([binary, "-c", path, "--json", "--base-url", "https://127.0.0.1:9",
                        "doctor"], capture_output=True, text=True, timeout=120)
    for line in r.stdout.splitlines():
        event = json.loads(line)
        if event.get("check") == "config":
            return event.get("verdict"), event.get("message")
    return None, r.stderr


def main():
    binary = os.path.abspath(sys.argv[1])
    passed = 0

    commands = listed_commands(binary)
    check(len(commands) >= 10, f"snapstage --help lists its commands: {commands}")
    overview = read(os.path.join(MAN, "snapstage.1.scd"))
    for cmd in commands:
        page = os.path.join(MAN, f"snapstage-{cmd}.1.scd")
        if check(os.path.exists(page), f"{cmd}: no page {os.path.relpath(page, ROOT)}"):
            check(read(page).startswith(f"snapstage-{cmd}(1)\n"), f"{page}: wrong title")
            check(f"snapstage {cmd}" in read(page), f"{page}: the synopsis names the command")
        check(f"*snapstage-{cmd}*(1)" in overview, f"snapstage(1) does not refer to {cmd}'s page")
    pages = {os.path.basename(p)[len("snapstage-"):-len(".1.scd")]
             for p in glob.glob(os.path.join(MAN, "snapstage-*.1.scd"))}
    check(pages <= set(commands), f"pages of commands the binary lacks: {pages - set(commands)}")
    passed += 1

    sections, keys = config_keys()
    check(len(sections) >= 9 and len(keys) >= 40, f"config keys read from the source: {keys}")
    manual = read(os.path.join(MAN, "snapstage.json.5.scd"))
    for section, key in sorted(keys):
        if not section and key != "board":
            check(f"# SECTION {key}\n" in manual, f"snapstage.json(5) has no SECTION {key}")
            continue
        name = f"{section}.{key}" if section else key
        check(f"*{name}*" in manual, f"snapstage.json(5) does not explain {name}")
    passed += 1

    example = json.loads(read(os.path.join(CONFIG, "examples", "snapstage.json")))
    for section in sections:
        check(section in example, f"the example config lacks the section {section}")
    for section, key in keys:
        # The example's devices use one backend each: only their options can appear.
        if section and section not in ("camera", "display", "input"):
            check(key in example.get(section, {}), f"the example config lacks {section}.{key}")
    for path in (os.path.join(CONFIG, "snapstage.json"),
                 os.path.join(CONFIG, "examples", "snapstage.json")):
        verdict, message = loads(binary, path)
        check(verdict == "ok", f"{path} does not load: {message}")
    passed += 1

    if shutil.which("scdoc"):
        for page in sorted(glob.glob(os.path.join(MAN, "*.scd"))):
            with open(page, "rb") as f:
                r = subprocess.run(["scdoc"], stdin=f, capture_output=True, timeout=30)
            check(r.returncode == 0 and r.stdout.startswith(b".\\\" Generated by scdoc"),
                  f"scdoc {os.path.basename(page)}: {r.stderr.decode()}")
        passed += 1
    else:
        print("scdoc not installed: the pages' rendering is not checked here")

    if failures:
        print(f"{passed} passed, {len(failures)} failed")
        sys.exit(1)
    print(f"{passed} passed, 0 failed")


if __name__ == "__main__":
    main()
