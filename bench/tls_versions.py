#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# TLS benchmark across Mbed TLS lines: snapstage on Mbed TLS 2.28 (this Debian 12 machine's build)
# and on 3.6 (the build in the Debian 13 root, scripts/debian-root), against curl, all talking to
# the same nginx in one run.
"""Handshakes (TLS 1.3 against TLS 1.2) of a tiny GET, seen by a counting proxy: "hs ms" from the
ClientHello to the flight that carries the request, "RTs" the client's flights up to that one
(round trips including the request's), bytes each way over the whole connection; on a link with
a 20 ms round trip and on raw loopback.
Bulk: the 12 MP upload and a 100 MiB download on raw loopback, where the CPU is the limit, and the
upload through the shaped link. Every row names the protocol and suite its client negotiated.

Needs host-release builds of snapstage and run_rusage in build/host-release (Mbed TLS 2.28) and
in the Debian 13 root's build/debian-trixie/host-release (3.6):
  cmake --preset host-release && cmake --build --preset host-release --target snapstage run_rusage
  scripts/debian-root trixie run bash -c 'cmake --preset host-release &&
      cmake --build --preset host-release --target snapstage run_rusage'
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, HERE)
from net_peers import Peers, Pki  # noqa: E402
from shaping_proxy import ShapedLink  # noqa: E402
from upload_vs_curl import PHOTO, suite_of  # noqa: E402

TRIXIE_BUILD = os.path.join(ROOT, "build", "debian-trixie")  # /src/build inside the root


def measure(cmd, workdir):
    """Runs cmd (run_rusage first); returns (wall s, cpu s, peak RSS KiB, stderr text)."""
    err_path = os.path.join(workdir, "stderr.txt")
    with open(err_path, "wb") as err:
        code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=err,
                              stdin=subprocess.DEVNULL, timeout=600).returncode
    text = open(err_path, errors="replace").read()
    m = re.search(r"^rusage (\S+) (\S+) (\d+) (\d+)$", text, re.M)
    if code != 0 or not m:
        sys.exit(f"tls_versions: {' '.join(cmd)} failed ({code}):\n{text}")
    return float(m.group(1)), float(m.group(2)), int(m.group(3)), text


def in_root(path):
    """The path of a host file as the Debian 13 root sees it (clone at /src, build/ its own)."""
    path = os.path.abspath(path)
    if path.startswith(TRIXIE_BUILD + os.sep):
        return "/src/build" + path[len(TRIXIE_BUILD):]
    if path.startswith(ROOT + os.sep):
        return "/src" + path[len(ROOT):]
    sys.exit(f"tls_versions: {path} is not visible in the Debian 13 root")


class Client:
    """One client program: how to run it under run_rusage, and how to name it."""

    def __init__(self, label, prefix, program, curl=False, extra=()):
        self.label = label
        self.prefix = prefix  # the runner, and whatever gets the runner into the root
        self.program = program
        self.curl = curl
        self.extra = list(extra)
        self.root = bool(prefix) and prefix[0] == "bash"

    def command(self, ca, url, upload=None):
        ca = in_root(ca) if self.root else ca
        if self.curl:
            cmd = ["curl", "-sS", "-v", "--fail", "-o", "/dev/null", "--cacert", ca, *self.extra]
        else:
            cmd = [self.program, "-v", "fetch", "--ca", ca]
        if upload:
            cmd += ["-F", f"file=@{in_root(upload) if self.root else upload};type=image/jpeg"]
        return [*self.prefix, *cmd, url]


def run_clients(work, clients, ca, url, rounds, upload=None, link=None, tag=""):
    """Alternating rounds; per client the medians of wall, CPU, RSS and, through `link`, the
    handshake time, round trips and bytes of its connection."""
    rows = {c.label: [] for c in clients}
    suites = {}
    for r in range(rounds):
        for c in clients if r % 2 == 0 else clients[::-1]:
            before = len(link.connections) if link else 0
            wall, cpu, rss, err = measure(c.command(ca, url, upload), work)
            hs = None
            if link and len(link.connections) > before:
                conn = link.connections[before]
                # A last flight of one small record is the client's close_notify, not a request.
                flights = conn.flights[:-1] if conn.flights[-1][1] < 40 else conn.flights
                # Without a delay, flights cannot be told apart from a reply racing a write.
                rts = len(flights) if link.delay > 0 else float("nan")
                hs = (flights[-1][0] - flights[0][0], rts, conn.up, conn.down)
            rows[c.label].append((wall, cpu, rss, hs))
            suites[c.label] = suite_of("curl" if c.curl else "snapstage", err)
    out = {}
    for c in clients:
        runs = rows[c.label]
        med = [statistics.median(x[i] for x in runs) for i in range(3)]
        hs = [x[3] for x in runs if x[3]]
        hs_med = [statistics.median(h[i] for h in hs) for i in range(4)] if hs else None
        out[c.label + tag] = (med, hs_med, suites[c.label])
    return out


def print_rows(title, rows, megabytes=0):
    print(f"\n{title}")
    print(f"  {'client':<44} {'wall s':>7} {'CPU s':>7} {'RSS MiB':>8} {'hs ms':>7} {'RTs':>4}"
          f" {'up B':>7} {'down B':>7}  negotiated")
    curl_wall = next((r[0][0] for label, r in rows.items() if label.startswith("curl")), None)
    for label, (med, hs, suite) in rows.items():
        hs_text = f"{'-':>7} {'-':>4} {'-':>7} {'-':>7}"
        if hs:
            rts = "-" if hs[1] != hs[1] else f"{hs[1]:.0f}"  # NaN: not counted on this link
            hs_text = f"{hs[0] * 1000:7.1f} {rts:>4} {hs[2]:7.0f} {hs[3]:7.0f}"
        ratio = f"  ({med[0] / curl_wall:.2f}x curl)" if curl_wall and megabytes else ""
        print(f"  {label:<44} {med[0]:7.3f} {med[1]:7.3f} {med[2] / 1024:8.1f} {hs_text}"
              f"  {suite}{ratio}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--download-mb", type=int, default=100)
    p.add_argument("--download-rounds", type=int, default=3)
    p.add_argument("--rtt-ms", type=float, default=20.0)
    p.add_argument("--rate-mbit", type=float, default=100.0)
    args = p.parse_args()
    b12 = os.path.join(ROOT, "build", "host-release")
    b13 = os.path.join(TRIXIE_BUILD, "host-release")
    app, runner = os.path.join("firmware", "app", "snapstage"), os.path.join("bench", "run_rusage")
    for path in (os.path.join(b12, app), os.path.join(b12, runner), os.path.join(b13, app),
                 os.path.join(b13, runner)):
        if not os.path.exists(path):
            sys.exit(f"tls_versions: missing {path} (see --help)")
    root_prefix = ["bash", os.path.join(ROOT, "scripts", "debian-root"), "trixie", "run",
                   in_root(os.path.join(b13, runner))]
    s228 = Client("snapstage, Mbed TLS 2.28", [os.path.join(b12, runner)], os.path.join(b12, app))
    s36 = Client("snapstage, Mbed TLS 3.6", root_prefix, in_root(os.path.join(b13, app)))
    curl13 = Client("curl, OpenSSL (TLS 1.3)", [os.path.join(b12, runner)], None, curl=True)
    curl12 = Client("curl, OpenSSL (--tls-max 1.2)", [os.path.join(b12, runner)], None, curl=True,
                    extra=["--tls-max", "1.2"])

    # Under the Debian 13 root's build folder, so that its client sees the same files.
    os.makedirs(TRIXIE_BUILD, exist_ok=True)
    work = tempfile.mkdtemp(prefix="bench-tls-", dir=TRIXIE_BUILD)
    peers = links = None
    try:
        pki = Pki(os.path.join(work, "pki"))
        cert, key = pki.leaf("nginx", key="rsa")
        files = os.path.join(work, "files")
        os.makedirs(files)
        with open(os.path.join(files, "big.bin"), "wb") as f:
            for _ in range(args.download_mb):
                f.write(os.urandom(1 << 20))
        with open(os.path.join(files, "small.txt"), "w") as f:
            f.write("ok\n")
        peers = Peers(work)
        backend = peers.python_origin("-", "-", files)
        both = peers.nginx(cert, key, files, backend)
        # The client's order: with the server's, OpenSSL signs with RSA-PSS, which Mbed TLS
        # 3.6.6 refuses in TLS 1.2 (docs/network.md).
        only12 = peers.nginx(cert, key, files, backend,
                             "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305",
                             prefer_server=False)
        links = {
            "shaped": ShapedLink(both, args.rate_mbit, args.rtt_ms / 2),
            "shaped12": ShapedLink(only12, args.rate_mbit, args.rtt_ms / 2),
            "raw": ShapedLink(both, 1e6, 0.0, 1 << 30),
            "raw12": ShapedLink(only12, 1e6, 0.0, 1 << 30),
        }
        port = {name: link.start() for name, link in links.items()}
        photo_mb = os.path.getsize(PHOTO) / 1e6
        print(f"nginx with TLS 1.2+1.3 and with TLS 1.2 only; RSA 2048 leaf; shaped link "
              f"{args.rate_mbit:g} Mbit/s, {args.rtt_ms:g} ms RTT; {os.cpu_count()} CPUs")
        url = "https://localhost:{}/files/small.txt"
        for where, label in (("shaped", f"{args.rtt_ms:g} ms RTT link"), ("raw", "raw loopback")):
            rows = run_clients(work, [s36, curl13], pki.ca, url.format(port[where]), args.rounds,
                               link=links[where])
            rows.update(run_clients(work, [s228, s36, curl12], pki.ca,
                                    url.format(port[where + "12"]), args.rounds,
                                    link=links[where + "12"], tag=" [1.2 server]"))
            print_rows(f"handshake + tiny GET, {label}: TLS 1.3 server, then TLS 1.2-only server",
                       rows)
        clients = [s228, s36, curl13]
        up = "https://localhost:{}/discard"
        print_rows("12 MP upload, raw loopback",
                   run_clients(work, clients, pki.ca, up.format(port["raw"]), args.rounds,
                               upload=PHOTO), photo_mb)
        print_rows("12 MP upload, TLS 1.2-only server, raw loopback",
                   run_clients(work, [s228, s36, curl12], pki.ca, up.format(port["raw12"]),
                               args.rounds, upload=PHOTO), photo_mb)
        print_rows(f"12 MP upload, {args.rtt_ms:g} ms RTT link",
                   run_clients(work, clients, pki.ca, up.format(port["shaped"]), args.rounds,
                               upload=PHOTO), photo_mb)
        big = "https://localhost:{}/files/big.bin"
        print_rows(f"{args.download_mb} MiB download, raw loopback",
                   run_clients(work, clients, pki.ca, big.format(port["raw"]),
                               args.download_rounds), args.download_mb * 1.048576)
    finally:
        for link in (links or {}).values():
            if link.port:
                link.stop()
        if peers:
            peers.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
