#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Network benchmark: `snapstage fetch` vs `curl` against the same nginx over TLS on loopback,
# alternating in one run: wall time, CPU time (user+sys) and peak RSS of each client.
"""Upload a 12 MP JPEG as multipart/form-data (snapstage fetch -F vs curl -F) and download a
large file, through a link shaped like a Raspberry Pi 4's Wi-Fi (100 Mbit/s, 20 ms round trip)
and on raw loopback; also TLS 1.2 with each AEAD suite forced by the server, and the cost of
loading the whole system CA bundle. Builds nothing: point --snapstage at a host-release build.

Targets (issue #3): shaped upload wall within 5% of curl's; peak RSS under a third of curl's.
"""
import argparse
import os
import re
import shutil
import subprocess
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from net_peers import Peers, Pki  # noqa: E402
from shaping_proxy import ShapedLink  # noqa: E402

PHOTO = os.path.join(HERE, "data", "forest-path-4056x3040.jpg")
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def measure(cmd, workdir, runner):
    """Runs cmd under run_rusage; returns (wall s, cpu s, peak RSS KiB, stderr text)."""
    err_path = os.path.join(workdir, "stderr.txt")
    with open(err_path, "wb") as err:
        code = subprocess.run([runner, *cmd], stdout=subprocess.DEVNULL, stderr=err,
                              stdin=subprocess.DEVNULL, timeout=600).returncode
    text = open(err_path, errors="replace").read()
    m = re.search(r"^rusage (\S+) (\S+) (\d+) (\d+)$", text, re.M)
    if code != 0 or not m:
        sys.exit(f"upload_vs_curl: {' '.join(cmd)} failed ({code}):\n{text}")
    return float(m.group(1)), float(m.group(2)), int(m.group(3)), text


class Bench:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.pki = Pki(os.path.join(work, "pki"))
        cert, key = self.pki.leaf("nginx", key="rsa")
        files = os.path.join(work, "files")
        os.makedirs(files)
        self.download = os.path.join(files, "big.bin")
        with open(self.download, "wb") as f:
            for _ in range(args.download_mb):
                f.write(os.urandom(1 << 20))
        with open(os.path.join(files, "small.txt"), "w") as f:
            f.write("ok\n")
        self.bundle_ca = os.path.join(work, "bundle-and-test-ca.pem")
        with open(self.bundle_ca, "wb") as out:
            for path in (SYSTEM_BUNDLE, self.pki.ca):
                out.write(open(path, "rb").read())
        self.peers = Peers(work)
        backend = self.peers.python_origin("-", "-", files)
        self.nginx = self.peers.nginx(cert, key, files, backend)
        self.nginx_chacha = self.peers.nginx(cert, key, files, backend,
                                             "ECDHE-RSA-CHACHA20-POLY1305")
        self.nginx_aes = self.peers.nginx(cert, key, files, backend, "ECDHE-RSA-AES128-GCM-SHA256")
        self.link = ShapedLink(self.nginx, args.rate_mbit, args.rtt_ms / 2)
        self.shaped = self.link.start()

    def close(self):
        self.link.stop()
        self.peers.close()

    def clients(self, port, what, ca=None):
        ca = ca or self.pki.ca
        url = f"https://localhost:{port}"
        if what == "upload":
            return {
                "snapstage": [self.args.snapstage, "-v", "fetch", "--ca", ca, "-F",
                              f"file=@{self.args.photo};type=image/jpeg", url + "/discard"],
                "curl": ["curl", "-sS", "-v", "--fail", "-o", "/dev/null", "--cacert", ca, "-F",
                         f"file=@{self.args.photo};type=image/jpeg", url + "/discard"],
            }
        path = "/files/big.bin" if what == "download" else "/files/small.txt"
        return {
            "snapstage": [self.args.snapstage, "-v", "fetch", "--ca", ca, url + path],
            "curl": ["curl", "-sS", "-v", "--fail", "-o", "/dev/null", "--cacert", ca, url + path],
        }

    def run(self, title, cmds, rounds, megabytes, baseline=None):
        results = {name: [] for name in cmds}
        suites = {}
        names = list(cmds)
        for r in range(rounds):
            order = names if r % 2 == 0 else names[::-1]
            for name in order:
                wall, cpu, rss, err = measure(cmds[name], self.work, self.args.runner)
                results[name].append((wall, cpu, rss))
                suites[name] = suite_of(name, err)
        print(f"\n{title} ({rounds} rounds, alternating; medians)")
        print(f"  {'client':<24} {'wall s':>8} {'CPU s':>8} {'CPU ms/MB':>10} {'net ms/MB':>10}"
              f" {'peak RSS':>12}  suite")
        row = {}
        for name in names:
            wall = statistics.median(x[0] for x in results[name])
            cpu = statistics.median(x[1] for x in results[name])
            rss = statistics.median(x[2] for x in results[name])
            row[name] = (wall, cpu, rss)
            per_mb = f"{cpu * 1000 / megabytes:10.2f}" if megabytes else f"{'-':>10}"
            net = f"{'-':>10}"
            if megabytes and baseline and name in baseline:
                net = f"{(cpu - baseline[name][1]) * 1000 / megabytes:10.2f}"
            print(f"  {name:<24} {wall:8.3f} {cpu:8.3f} {per_mb} {net} {rss / 1024:8.1f} MiB"
                  f"  {suites[name]}")
        if "curl" in row:
            s, c = row["snapstage"], row["curl"]
            print(f"  snapstage/curl: wall {s[0] / c[0]:.3f}, CPU {s[1] / c[1]:.2f}, "
                  f"RSS {s[2] / c[2]:.2f}")
        return row


def suite_of(name, stderr):
    if name == "curl":
        m = re.search(r"SSL connection using (\S+) / (\S+)", stderr)
        return f"{m.group(1)} {m.group(2)}" if m else "?"
    m = re.search(r"connected to \S+, (\S+) (\S+)", stderr)
    return f"{m.group(1)} {m.group(2)}" if m else "?"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--snapstage", default=os.path.join(ROOT, "build", "host-release", "firmware",
                                                        "app", "snapstage"))
    p.add_argument("--runner", help="run_rusage from the same build (default: beside snapstage)")
    p.add_argument("--photo", default=PHOTO)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--download-mb", type=int, default=100)
    p.add_argument("--download-rounds", type=int, default=3)
    p.add_argument("--rate-mbit", type=float, default=100.0)
    p.add_argument("--rtt-ms", type=float, default=20.0)
    args = p.parse_args()
    if not args.runner:
        build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(args.snapstage))))
        args.runner = os.path.join(build, "bench", "run_rusage")
    for tool in (args.snapstage, args.runner, shutil.which("curl"), shutil.which("nginx")):
        if not tool or not os.path.exists(tool):
            sys.exit(f"upload_vs_curl: missing {tool or 'curl/nginx'}")
    photo_mb = os.path.getsize(args.photo) / 1e6
    work = tempfile.mkdtemp(prefix="snapstage-bench-net-")
    bench = None
    try:
        bench = Bench(args, work)
        print(f"photo {args.photo} ({photo_mb:.2f} MB); download {args.download_mb} MiB; "
              f"shaped link {args.rate_mbit:g} Mbit/s, {args.rtt_ms:g} ms RTT; "
              f"{os.cpu_count()} CPUs")
        b = bench
        base = b.run("baseline: tiny GET (start-up, CA load, handshake), raw loopback",
                     b.clients(b.nginx, "small"), args.rounds, 0)
        b.run("(a) upload, shaped link", b.clients(b.shaped, "upload"), args.rounds, photo_mb, base)
        b.run("(b) upload, raw loopback", b.clients(b.nginx, "upload"), args.rounds, photo_mb, base)
        for port, label in ((b.nginx_chacha, "ChaCha20-Poly1305"), (b.nginx_aes, "AES-128-GCM")):
            b.run(f"(b) upload, raw loopback, TLS 1.2 {label} forced by the server",
                  b.clients(port, "upload"), args.rounds, photo_mb, base)
        mb = args.download_mb * 1.048576
        b.run("download, shaped link", b.clients(b.shaped, "download"), args.download_rounds, mb,
              base)
        b.run("download, raw loopback", b.clients(b.nginx, "download"), args.download_rounds, mb,
              base)
        small = {
            "test CA only": b.clients(b.nginx, "small")["snapstage"],
            "system bundle + test CA": b.clients(b.nginx, "small", b.bundle_ca)["snapstage"],
        }
        b.run("snapstage: tiny GET by trust roots loaded", small, args.rounds, 0)
    finally:
        if bench:
            bench.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
