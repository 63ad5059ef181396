#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Record ciphers: the linked Mbed TLS's AEADs (aead_bench) against OpenSSL's (`openssl speed
-evp`, the library under Python's and curl's TLS), 16 KiB records, in one run. Prints MB/s of
each and what one cloud job's 6.94 MB of bodies costs through each: the floor under
`snapstage submit`'s CPU that no change to snapstage's own code moves.

  python3 bench/aead_vs_openssl.py [--build build/host-release] [--seconds 1]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JOB_BYTES = 6.94e6
CIPHERS = ["aes-128-gcm", "aes-256-gcm", "chacha20-poly1305"]


def mbedtls_rates(binary, seconds):
    out = subprocess.run([binary, str(seconds)], check=True, capture_output=True,
                         text=True).stdout
    version = out.splitlines()[0].split(",")[0]
    rates = {}
    for line in out.splitlines()[1:]:
        name, rate = line.split()[:2]
        rates[name] = float(rate) * 1e6
    return version, rates


def openssl_rate(cipher, seconds):
    out = subprocess.run(["openssl", "speed", "-bytes", "16384", "-seconds", str(seconds),
                          "-evp", cipher], check=True, capture_output=True, text=True).stdout
    # The last line: "<NAME>  <thousands of bytes per second>k"
    m = re.search(r"([\d.]+)k\s*$", out.strip())
    if not m:
        sys.exit("aead_vs_openssl: cannot read openssl speed's output:\n" + out)
    return float(m.group(1)) * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "host-release"))
    ap.add_argument("--seconds", type=int, default=1, help="per cipher and library")
    args = ap.parse_args()
    binary = os.path.join(args.build, "bench", "aead_bench")
    if not os.access(binary, os.X_OK):
        sys.exit("aead_vs_openssl: no %s: build the aead_bench target first" % binary)
    if not shutil.which("openssl"):
        sys.exit("aead_vs_openssl: no openssl command (apt install openssl)")
    version, mbed = mbedtls_rates(binary, args.seconds)
    openssl = subprocess.run(["openssl", "version"], capture_output=True,
                             text=True).stdout.strip()
    print("%s against %s, 16 KiB records" % (version, openssl))
    print("%-18s %12s %12s %8s %14s %14s" % ("cipher", "Mbed MB/s", "OpenSSL MB/s", "ratio",
                                             "Mbed ms/job", "OpenSSL ms/job"))
    for c in CIPHERS:
        o = openssl_rate(c, args.seconds)
        m = mbed[c]
        print("%-18s %12.0f %12.0f %7.1fx %14.1f %14.1f" % (c, m / 1e6, o / 1e6, o / m,
                                                           JOB_BYTES / m * 1e3,
                                                           JOB_BYTES / o * 1e3))


if __name__ == "__main__":
    main()
