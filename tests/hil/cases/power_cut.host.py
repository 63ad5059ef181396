#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Power cuts: the client's spool on an ext4 virtual disk inside the VM (mounted so that whatever
# was not fsync'd is lost, as on a card pulled at the worst moment), the sandbox inside the VM
# too with its --state on a host folder shared read-write. Each boot resumes the spool's jobs
# and submits new photos until the power is cut (qemu killed) at a random moment; after the
# cuts, one last boot resumes everything and reports the spool. Then, from the sandbox's request
# log: exactly one POST /v3/order per distinct input photo, and every job done with its results
# whole (they decode). Runs on the host and boots its own VMs: the cuts are shared among
# independent chains (own disk, own sandbox state, own photos' jobs), one VM per chain at a time
# and one chain per host core, so that the 21-odd boots fit the VM suite's time on 2 cores.
# Usage: power_cut.host.py --snapstage BIN
#   (SNAPSTAGE_HIL_CUTS, SNAPSTAGE_HIL_SEED, SNAPSTAGE_HIL_CHAINS to vary)
import argparse
import collections
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HIL = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(HIL))
sys.path.insert(0, HIL)
import hil_image  # noqa: E402
import hil_vm  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "tools", "sandbox"))
from sandbox_lib import certs  # noqa: E402

SKIP = 77
PHOTOS = 40
WIDGETS = {"widget-space-tool-virtual-staging": ["item-bedroom-widget-space-tool-virtual-staging"],
           "widget-style-tool-virtual-staging": ["item-modern-widget-style-tool-virtual-staging"]}

# One boot in the guest. W is the shared folder; progress lines there reach the host at once.
GUEST = r"""
set -u
W=__W__
up() { cut -d' ' -f1 /proc/uptime; }
echo "boot $BOOT shell at $(up) s" >>"$W/progress"
echo 360000 >/proc/sys/vm/dirty_expire_centisecs
echo 0 >/proc/sys/vm/dirty_writeback_centisecs
mkdir -p /spool
rm -f "$W/sandbox.out"
echo "boot $BOOT" >>"$W/sandbox.err"
mount -t ext4 -o commit=600 /dev/vda /spool || { echo "cannot mount the spool disk"; exit 90; }
echo "boot $BOOT mounted at $(up) s" >>"$W/progress"
python3 __ROOT__/tools/sandbox/sandbox.py --state "$W/sandbox" --port 8443 --cdn-port 8444 \
    --s3-port 8445 --quiet --rate-limit off --process-seconds 0.3 >"$W/sandbox.out" 2>>"$W/sandbox.err" &
for _ in $(seq 600); do [ -s "$W/sandbox.out" ] && break; sleep 0.05; done
[ -s "$W/sandbox.out" ] || { echo "the sandbox did not start"; cat "$W/sandbox.err"; exit 91; }
export SNAPSTAGE_API_KEY=sandbox-key
S="__BIN__ -q -c $W/snapstage.json"
echo "boot $BOOT ready at $(up) s" >>"$W/progress"
$S jobs --resume >/dev/null 2>>"$W/client.err"
echo "boot $BOOT resumed $?" >>"$W/progress"
if [ "$FINAL" = 1 ]; then
    exec python3 "$W/report.py" /spool/s/jobs >"$W/report.json"
fi
n=$(grep -c '^start ' "$W/progress")
while [ "$n" -lt __PHOTOS__ ]; do
    n=$((n + 1))
    echo "start $n" >>"$W/progress"
    $S submit "$W/photos/$n.jpg" >/dev/null 2>>"$W/client.err"
    echo "end $n $?" >>"$W/progress"
done
"""

# Run in the guest on the last boot: every job of the spool, its input's sha256, its results.
REPORT = r"""
import hashlib, json, os, subprocess, sys
jobs = []
for jid in sorted(os.listdir(sys.argv[1])):
    d = os.path.join(sys.argv[1], jid)
    rec = json.load(open(os.path.join(d, "job.json")))
    inp = open(os.path.join(d, "input-1.jpg"), "rb").read()
    results = {}
    for f in sorted(os.listdir(d)):
        if f.startswith("result"):
            r = subprocess.run(["djpeg", "-pnm", os.path.join(d, f)], capture_output=True)
            results[f] = r.returncode == 0 and r.stdout[:2] == b"P6" and not r.stderr
    jobs.append({"id": jid, "state": rec.get("state"), "sha256": hashlib.sha256(inp).hexdigest(),
                 "results": results, "files": sorted(os.listdir(d))})
print(json.dumps(jobs))
"""


def make_photos(work):
    src = os.path.join(ROOT, "tests/data/photos/lakeside-640.jpg")
    ppm = subprocess.run(["djpeg", "-pnm", src], capture_output=True, check=True).stdout
    os.makedirs(os.path.join(work, "photos"))
    shas = {}
    for i in range(1, PHOTOS + 1):
        jpg = subprocess.run(["cjpeg", "-quality", str(50 + i)], input=ppm, capture_output=True,
                             check=True).stdout
        with open(os.path.join(work, "photos", f"{i}.jpg"), "wb") as f:
            f.write(jpg)
        shas[hashlib.sha256(jpg).hexdigest()] = i
    return shas


def boot(image, work, disk, n, final, cut_after_s=None):
    """One boot; with cut_after_s the power goes that long after the sandbox is up."""
    env = {"BOOT": n, "FINAL": 1 if final else 0}
    vm = hil_vm.Vm(image, f"exec /bin/bash {work}/guest.sh", cwd=work, rw=[work], disk=disk,
                   mods="disk", env=env, mem_mb=512, timeout_s=120, smp=1)
    try:
        if cut_after_s is None:
            rc, out, err = vm.wait()
            return rc, out + err, vm
        deadline = time.monotonic() + 60
        while vm.running() and time.monotonic() < deadline:
            with open(os.path.join(work, "progress")) as f:
                if f"boot {n} ready" in f.read():
                    break
            time.sleep(0.05)
        ready_s = time.monotonic() - vm.started
        if not vm.running():
            rc, out, err = vm.wait()
            return rc, f"the guest stopped before the sandbox was up (exit {rc}):\n{out}{err}" \
                f"\n{vm.console_tail()}", vm
        time.sleep(cut_after_s)
        vm.cut_power()
        vm.wait()
        return None, f"up in {ready_s:.1f} s", vm
    finally:
        vm.cleanup()


def chain(image, work, snapstage, cuts, rng, log):
    """One chain of boots on its own disk and sandbox state: `cuts` cut boots, then the last
    boot. Returns (rc of the last boot, its output), or (None, why) when a boot went wrong."""
    disk = os.path.join(work, "spool.img")
    subprocess.run(["truncate", "-s", "64M", disk], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", disk], check=True)
    base = "https://127.0.0.1:8443"
    with open(os.path.join(work, "snapstage.json"), "w") as f:
        json.dump({"service": {"base_url": base, "widgets": WIDGETS},
                   "tls": {"ca_file": os.path.join(work, "sandbox", "ca.pem")},
                   "spool": {"dir": "/spool/s"},
                   "poll": {"min_interval_s": 0.1, "max_interval_s": 0.3}}, f)
    guest = GUEST.replace("__W__", work).replace("__ROOT__", ROOT).replace(
        "__BIN__", os.path.abspath(snapstage)).replace("__PHOTOS__", str(PHOTOS))
    with open(os.path.join(work, "guest.sh"), "w") as f:
        f.write(guest)
    with open(os.path.join(work, "report.py"), "w") as f:
        f.write(REPORT)
    open(os.path.join(work, "progress"), "w").close()
    # The sandbox's CA and certificates made here, as the sandbox itself would make them at its
    # first start: five openssl runs cost the first boot seconds under emulation.
    certs.ensure(os.path.join(work, "sandbox"))
    for n in range(1, cuts + 1):
        at = rng.uniform(0.0, 4.0)
        rc, up, _ = boot(image, work, disk, n, final=False, cut_after_s=at)
        if rc is not None:
            return None, f"boot {n}: {up}"
        with open(os.path.join(work, "progress")) as f:
            last = f.read().splitlines()[-1:] or ["(nothing)"]
        log(f"cut {n:2d}: {up}, cut {at:4.2f} s after the sandbox was up; last step: {last[0]}")
    rc, out, _ = boot(image, work, disk, cuts + 1, final=True)
    return rc, out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--snapstage", required=True)
    args = p.parse_args()
    try:
        image = hil_image.image()
    except hil_image.Unavailable as e:
        print(f"skipped: {e}")
        return SKIP
    cuts = int(os.environ.get("SNAPSTAGE_HIL_CUTS", "20"))
    seed = int(os.environ.get("SNAPSTAGE_HIL_SEED", str(int(time.time()))))
    chains = int(os.environ.get("SNAPSTAGE_HIL_CHAINS", str(min(2, os.cpu_count() or 1))))
    chains = max(1, min(chains, cuts))
    print(f"power cuts: {cuts} in {chains} chain(s), seed {seed} "
          f"(SNAPSTAGE_HIL_SEED={seed} repeats them)")
    top = tempfile.mkdtemp(prefix="hil-power-")
    t0 = time.monotonic()
    # Byte-compiled once here: in the guest every file the import system touches is a 9p round
    # trip, and nothing compiled there outlives the boot.
    subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.join(ROOT, "tools/sandbox")],
                   stdout=subprocess.DEVNULL)
    lock = threading.Lock()
    results = [None] * chains
    try:
        shas = make_photos(top)

        def run_chain(i):
            work = os.path.join(top, f"chain{i + 1}")
            shutil.copytree(os.path.join(top, "photos"), os.path.join(work, "photos"))

            def log(line):
                with lock:
                    print(f"[{i + 1}] {line}", flush=True)
            mine = cuts // chains + (1 if i < cuts % chains else 0)
            try:
                results[i] = (work, mine) + chain(image, work, args.snapstage, mine,
                                                  random.Random(seed + i), log)
            except Exception as e:  # reported as the chain's failure
                results[i] = (work, mine, None, f"{type(e).__name__}: {e}")

        threads = [threading.Thread(target=run_chain, args=(i,)) for i in range(chains)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(f"{cuts} cuts and {chains} last boot(s): {time.monotonic() - t0:.0f} s in all")
        failed = 0
        for i, (work, mine, rc, out) in enumerate(results):
            print(f"-- chain {i + 1} ({mine} cuts)")
            if rc is None:
                print(f"FAIL: {out}")
                failed += 1
            else:
                failed += verify(work, shas, mine, rc, out)
        return 1 if failed else 0
    finally:
        if os.environ.get("SNAPSTAGE_HIL_KEEP"):
            print(f"kept {top}")
        else:
            shutil.rmtree(top, ignore_errors=True)


def verify(work, shas, cuts, rc, out):
    failures = []

    def check(cond, what):
        print(("ok: " if cond else "FAIL: ") + what)
        if not cond:
            failures.append(what)

    check(rc == 0, f"the last boot resumed every job and reported (exit {rc}) {out.strip()}")
    try:
        with open(os.path.join(work, "report.json")) as f:
            jobs = json.load(f)
    except (OSError, ValueError) as e:
        check(False, f"the spool report: {e}")
        return 1
    orders = collections.Counter()
    with open(os.path.join(work, "sandbox", "requests.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if r["method"] == "POST" and r["path"] == "/v3/order":
                for part in r.get("files") or []:
                    orders[part["sha256"]] += 1
    started = sum(1 for x in open(os.path.join(work, "progress")) if x.startswith("start "))
    print(f"{started} photos submitted, {len(jobs)} jobs in the spool, "
          f"{len(orders)} distinct photos ordered")
    want = max(1, cuts // 10)
    check(len(orders) >= want, f"the cuts left room for work: {len(orders)} photos ordered")
    check(all(sha in shas for sha in orders), "every ordered photo is one of the test photos")
    twice = {shas.get(s, s): c for s, c in orders.items() if c != 1}
    check(not twice, f"exactly one POST /v3/order per distinct photo {twice or ''}")
    by_sha = {j["sha256"]: j for j in jobs}
    check(len(by_sha) == len(jobs), "no photo has two jobs in the spool")
    lost = [shas.get(s, s) for s in orders if s not in by_sha]
    check(not lost, f"every ordered photo still has its job in the spool {lost or ''}")
    bad = [(shas.get(j["sha256"]), j["state"], j["files"]) for j in jobs
           if j["state"] != "done" or not j["results"] or not all(j["results"].values())]
    check(not bad, f"every job is done with its results whole (they decode) {bad or ''}")
    if failures:
        with open(os.path.join(work, "client.err"), errors="replace") as f:
            print("client stderr (tail):\n" + "".join(f.readlines()[-20:]))
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
