#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Cloud-job benchmark: `snapstage submit` vs clients written the way the vendors' examples are
# (Python + requests, curl driven by a shell script), the same job against the same sandbox,
# alternating in one run; then snapstage's heap allocations per job (job_bench).
"""One AI HomeDesign v3 virtual-staging job (12 MP JPEG up, process, poll, result down) per run,
by snapstage and by the peer clients in bench/clients/, alternating for --rounds rounds against
one sandbox. Each run goes through run_rusage (wall, CPU of the process and its children, peak
RSS of the largest process); the sandbox's request log gives its requests, TLS handshakes (full
and resumed) per origin and body bytes. Then job_bench runs --jobs jobs in one process and
reports the heap allocations of each job after the first. Builds nothing: point --build at a
host-release build with the targets snapstage, job_bench and run_rusage.

Targets (issue #7): CPU at most 0.25x the Python client's, peak RSS at most 0.25x; one full TLS
handshake per host per job; no allocation in the project's own code per job in steady state.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PHOTO = os.path.join(HERE, "data", "forest-path-4056x3040.jpg")
SANDBOX = os.path.join(ROOT, "tools", "sandbox", "sandbox.py")
TOOL = "tool-virtual-staging"
SPACE = "widget-space-tool-virtual-staging"
STYLE = "widget-style-tool-virtual-staging"


class Sandbox:
    """The sandbox on free ports, in its own state folder, with no rate limit."""

    def __init__(self, work, process_seconds):
        self.proc = subprocess.Popen(
            [sys.executable, SANDBOX, "--port", "0", "--state", os.path.join(work, "sandbox"),
             "--quiet", "--rate-limit", "off", "--process-seconds", str(process_seconds)],
            stdout=subprocess.PIPE, stderr=open(os.path.join(work, "sandbox.err"), "wb"))
        line = self.proc.stdout.readline()
        if not line:
            sys.exit("job_vs_clients: the sandbox did not start (see %s/sandbox.err)" % work)
        self.info = json.loads(line)

    def log(self):
        with open(self.info["log_file"], encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def connections(self, conns, timeout=5.0):
        """The connection log's lines for conns (each written once its connection closed)."""
        deadline = time.monotonic() + timeout
        while True:
            with open(self.info["conn_log_file"], encoding="utf-8") as f:
                got = [json.loads(line) for line in f if line.strip()]
            got = [c for c in got if c["conn"] in conns]
            if len(got) == len(conns) or time.monotonic() > deadline:
                return got
            time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def wire(lines, connections):
    """Per-run figures from the sandbox's request and connection log lines of that run."""
    fig = {"requests": len(lines), "polls": 0, "up": 0, "down": 0, "errors": 0,
           "wire_up": sum(c["tcp_bytes_in"] or 0 for c in connections),
           "wire_down": sum(c["tcp_bytes_out"] or 0 for c in connections)}
    conns, suites = {}, set()
    for line in lines:
        fig["up"] += line["bytes_in"]
        fig["down"] += line["bytes_out"]
        fig["polls"] += line["method"] == "GET" and line["path"].startswith("/v3/process/")
        fig["errors"] += not 200 <= line["status"] < 300
        conns[line["conn"]] = (line["origin"], line["tls_resumed"])
        suites.add(line.get("tls") or "?")
    fig["suites"] = ", ".join(sorted(suites))
    for origin in ("api", "cdn"):
        fig[origin + "_full"] = sum(1 for o, r in conns.values() if o == origin and not r)
        fig[origin + "_resumed"] = sum(1 for o, r in conns.values() if o == origin and r)
    return fig


def measure(cmd, work, runner, env=None):
    """Runs cmd under run_rusage; returns (wall s, cpu s, peak RSS KiB)."""
    err_path = os.path.join(work, "stderr.txt")
    with open(err_path, "wb") as err:
        code = subprocess.run([runner, *cmd], stdout=subprocess.DEVNULL, stderr=err,
                              stdin=subprocess.DEVNULL, timeout=600, env=env).returncode
    text = open(err_path, errors="replace").read()
    last = [l for l in text.splitlines() if l.startswith("rusage ")]
    if code != 0 or not last:
        sys.exit("job_vs_clients: %s failed (%d):\n%s" % (" ".join(cmd), code, text))
    _, wall, cpu, rss, _ = last[-1].split()
    return float(wall), float(cpu), int(rss)


def check_result(path):
    with open(path, "rb") as f:
        head = f.read(3)
    if head != b"\xff\xd8\xff":
        sys.exit("job_vs_clients: %s is not a JPEG" % path)
    os.remove(path)


class Bench:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.sandbox = Sandbox(work, args.process_seconds)
        info = self.sandbox.info
        key = os.path.join(work, "api-key")
        with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("sandbox-key\n")
        self.spool = os.path.join(work, "spool")
        self.config = os.path.join(work, "snapstage.json")
        poll = args.poll_interval
        with open(self.config, "w") as f:
            json.dump({"service": {"vendor": "aihomedesign", "api": "v3",
                                   "base_url": info["base_url"], "api_key_file": key,
                                   "tool": TOOL,
                                   "widgets": {SPACE: ["item-living-room-" + SPACE],
                                               STYLE: ["item-modern-" + STYLE]}},
                       "tls": {"ca_file": info["ca_file"]},
                       "spool": {"dir": self.spool, "keep_days": 7},
                       # A fixed interval, as the peers poll: no back-off.
                       "poll": {"min_interval_s": poll, "max_interval_s": poll,
                                "timeout_s": 300}}, f)
        self.out = os.path.join(work, "result.jpg")
        base, ca, photo = info["base_url"], info["ca_file"], args.photo
        self.clients = {
            "snapstage": [args.snapstage, "-q", "-c", self.config, "submit", photo],
            "python-requests": [args.python, os.path.join(HERE, "clients", "aihd_requests.py"),
                                "--base-url", base, "--ca", ca, "--poll-interval", str(poll),
                                photo, self.out],
            "curl-script": ["bash", os.path.join(HERE, "clients", "aihd_curl.sh"), base, ca,
                            photo, self.out, str(poll)],
        }

    def result_of(self, name):
        if name != "snapstage":
            return self.out
        jobs = os.path.join(self.spool, "jobs")
        newest = max(os.listdir(jobs))  # ids start with the creation time
        return os.path.join(jobs, newest, "result-1.jpg")

    def one(self, name):
        mark = len(self.sandbox.log())
        wall, cpu, rss = measure(self.clients[name], self.work, self.args.runner)
        lines = self.sandbox.log()[mark:]
        fig = wire(lines, self.sandbox.connections({line["conn"] for line in lines}))
        fig.update(wall=wall, cpu=cpu, rss=rss)
        check_result(self.result_of(name))
        return fig

    def run(self):
        names = list(self.clients)
        # One warm-up job each, not counted: the page cache, Python's bytecode, and snapstage's
        # catalog cache in its spool (fetched on the first submit, then kept for a day).
        self.warmup = {name: self.one(name) for name in names}
        runs = {name: [] for name in names}
        for r in range(self.args.rounds):
            for name in (names if r % 2 == 0 else names[::-1]):
                runs[name].append(self.one(name))
        return runs

    def floors(self, rounds=3):
        """Each client's fixed cost: the process with its libraries loaded, doing nothing."""
        cmds = {"snapstage": [self.args.snapstage, "--help"],
                "python-requests": [self.args.python, "-c", "import requests"],
                "curl-script": ["bash", "-c", "curl --version && jq --version"]}
        out = {}
        for name, cmd in cmds.items():
            got = [measure(cmd, self.work, self.args.runner) for _ in range(rounds)]
            out[name] = (statistics.median(g[1] for g in got), statistics.median(g[2] for g in got))
        return out

    def job_bench(self):
        spool_cfg = os.path.join(self.work, "job_bench.json")
        cfg = json.load(open(self.config))
        cfg["spool"]["dir"] = os.path.join(self.work, "spool-job-bench")
        json.dump(cfg, open(spool_cfg, "w"))
        mark = len(self.sandbox.log())
        proc = subprocess.run([self.args.job_bench, "-c", spool_cfg, "--jobs",
                               str(self.args.jobs), self.args.photo], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=600)
        text = proc.stdout.decode(errors="replace")
        if proc.returncode != 0:
            sys.exit("job_vs_clients: job_bench failed:\n" + text)
        lines = self.sandbox.log()[mark:]
        return text, lines

    def close(self):
        self.sandbox.stop()


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def report_floors(floors, cmds):
    print("\n  start-up floor (the process and its libraries, no job; medians of 3):")
    for name, (cpu, rss) in floors.items():
        print("  %-16s CPU %.3f s, peak RSS %.1f MiB  (%s)" % (name, cpu, rss / 1024, cmds[name]))


def report_warmup(warmup):
    print("\n  warm-up run (not in the medians; snapstage's spool was empty, so it fetched the tool"
          " catalog first):")
    for name, r in warmup.items():
        print("  %-16s %.2f s wall, %.3f s CPU, %d requests, API %d+%d, CDN %d+%d handshakes" % (
            name, r["wall"], r["cpu"], r["requests"], r["api_full"], r["api_resumed"],
            r["cdn_full"], r["cdn_resumed"]))


def report(runs, rounds):
    print("\nOne job per run (%d rounds, alternating; medians)" % rounds)
    head = ("client", "wall s", "CPU s", "peak RSS", "requests", "polls", "API full/res",
            "CDN full/res", "up MB", "down MB", "wire up", "wire down")
    print("  %-16s %7s %7s %10s %8s %5s %12s %12s %7s %7s %9s %9s" % head)
    rows = {}
    for name, rs in runs.items():
        row = {k: median(rs, k) for k in rs[0] if k != "suites"}
        row["suites"] = rs[-1]["suites"]
        rows[name] = row
        print("  %-16s %7.3f %7.3f %6.1f MiB %8g %5g %12s %12s %7.3f %7.3f %9.3f %9.3f" % (
            name, row["wall"], row["cpu"], row["rss"] / 1024, row["requests"], row["polls"],
            "%g/%g" % (row["api_full"], row["api_resumed"]),
            "%g/%g" % (row["cdn_full"], row["cdn_resumed"]), row["up"] / 1e6, row["down"] / 1e6,
            row["wire_up"] / 1e6, row["wire_down"] / 1e6))
    print("  (up/down: HTTP bodies, from the request log; wire: TCP payload, TLS handshakes and"
          " records included, from the connection log)")
    print("\n  TLS (as the sandbox logged it):")
    for name, row in rows.items():
        print("  %-16s %s" % (name, row["suites"]))
    base = rows["python-requests"]
    print("\n  ratios to python-requests (medians):")
    for name, row in rows.items():
        print("  %-16s wall %.2f, CPU %.3f, peak RSS %.3f" % (
            name, row["wall"] / base["wall"], row["cpu"] / base["cpu"],
            row["rss"] / base["rss"]))
    print("\n  every run (wall s, CPU s, peak RSS MiB; requests; API/CDN full+resumed handshakes):")
    for name, rs in runs.items():
        print("  %-16s %s" % (name, "  ".join(
            "%.2f/%.3f/%.1f;%d;%d+%d/%d+%d" % (r["wall"], r["cpu"], r["rss"] / 1024, r["requests"],
                                               r["api_full"], r["api_resumed"], r["cdn_full"],
                                               r["cdn_resumed"]) for r in rs)))
    return rows


def steady(text):
    for line in text.splitlines():
        if line.startswith("steady "):
            ours, lib_min, lib_max = (int(x) for x in line.split()[1:])
            return ours, lib_min, lib_max
    return None


def job_handshakes(lines):
    """Per job of job_bench (a job starts at its POST /v3/project): API and CDN handshakes."""
    jobs, seen = [], set()
    for line in lines:
        if line["method"] == "POST" and line["path"] == "/v3/project":
            jobs.append([])
        if jobs and line["conn"] not in seen:
            seen.add(line["conn"])
            jobs[-1].append((line["origin"], line["tls_resumed"]))
    return ["API %d+%d, CDN %d+%d" % (
        sum(1 for o, r in j if o == "api" and not r), sum(1 for o, r in j if o == "api" and r),
        sum(1 for o, r in j if o == "cdn" and not r), sum(1 for o, r in j if o == "cdn" and r))
        for j in jobs]


def targets(rows, runs, alloc):
    s, p = rows["snapstage"], rows["python-requests"]
    print("\nTargets:")
    verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    cpu, rss = s["cpu"] / p["cpu"], s["rss"] / p["rss"]
    print("  CPU at most 0.25x python-requests': %s (%.3f)" % (verdict(cpu <= 0.25), cpu))
    print("  peak RSS at most 0.25x python-requests': %s (%.3f)" % (verdict(rss <= 0.25), rss))
    # One connection per host per job: a full handshake, or a resumed one where the last job
    # (another process) kept its sessions in the spool.
    one = all(r["api_full"] + r["api_resumed"] == 1 and r["cdn_full"] + r["cdn_resumed"] == 1
              for r in runs["snapstage"])
    print("  at most one full TLS handshake per host per job, one connection per host "
          "(snapstage, every run): %s" % verdict(one))
    if alloc is None:
        print("  no project-code allocation per job in steady state: unknown (job_bench gave no "
              "steady line)")
    else:
        ours, lib_min, lib_max = alloc
        print("  no project-code allocation per job in steady state: %s (%d operator new; "
              "third-party malloc-family calls %s per job)" % (
                  verdict(ours == 0), ours,
                  lib_min if lib_min == lib_max else "%d-%d" % (lib_min, lib_max)))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build", "host-release"))
    p.add_argument("--python", default=sys.executable,
                   help="the Python that runs the requests client (default: this one)")
    p.add_argument("--photo", default=PHOTO)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--jobs", type=int, default=5, help="jobs of job_bench in one process")
    p.add_argument("--process-seconds", type=float, default=1.0,
                   help="the sandbox's processing time, the same for every client")
    p.add_argument("--poll-interval", type=float, default=0.2,
                   help="seconds between polls, the same for every client")
    args = p.parse_args()
    args.snapstage = os.path.join(args.build, "firmware", "app", "snapstage")
    args.runner = os.path.join(args.build, "bench", "run_rusage")
    args.job_bench = os.path.join(args.build, "bench", "job_bench")
    return args


def peers(args):
    """Checks that every program is there; returns a line naming the peers' versions."""
    for tool in (args.snapstage, args.runner, args.job_bench, shutil.which("curl"),
                 shutil.which("jq")):
        if not tool or not os.path.exists(tool):
            sys.exit("job_vs_clients: missing %s" % (tool or "curl/jq"))
    probe = subprocess.run(
        [args.python, "-c", "import requests, ssl, sys; print('Python %d.%d.%d' % "
         "sys.version_info[:3], 'requests', requests.__version__, ssl.OPENSSL_VERSION)"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        sys.exit("job_vs_clients: %s has no requests (scripts/setup installs python3-requests)"
                 % args.python)
    curl = subprocess.run(["curl", "--version"], stdout=subprocess.PIPE).stdout.decode()
    return "peers: %s; %s" % (probe.stdout.decode().strip(),
                              " ".join(curl.splitlines()[0].split()[:4]))


def load():
    return " ".join("%.2f" % x for x in os.getloadavg())


def run_all(args, bench):
    runs = bench.run()
    rows = report(runs, args.rounds)
    report_warmup(bench.warmup)
    floors = bench.floors()
    report_floors(floors, {"snapstage": "snapstage --help",
                           "python-requests": "python3 -c 'import requests'",
                           "curl-script": "curl --version; jq --version"})
    net = {name: rows[name]["cpu"] - floors[name][0] for name in rows}
    print("  CPU net of the floor: %s; snapstage/python-requests %.2f" % (
        ", ".join("%s %.3f s" % kv for kv in net.items()),
        net["snapstage"] / net["python-requests"]))
    text, lines = bench.job_bench()
    print("\njob_bench (%d jobs in one process):" % args.jobs)
    print("  " + text.rstrip().replace("\n", "\n  "))
    print("  handshakes per job (full+resumed): " + "; ".join(job_handshakes(lines)))
    targets(rows, runs, steady(text))


def main():
    args = parse_args()
    versions = peers(args)
    work = tempfile.mkdtemp(prefix="snapstage-bench-job-")
    bench = None
    try:
        bench = Bench(args, work)
        print("photo %s (%.2f MB); sandbox process_seconds %g; poll every %g s; %d CPUs; "
              "load average %s" % (args.photo, os.path.getsize(args.photo) / 1e6,
                                   args.process_seconds, args.poll_interval, os.cpu_count(),
                                   load()))
        print(versions)
        t0 = time.monotonic()
        run_all(args, bench)
        print("\n(%.0f s; load average %s)" % (time.monotonic() - t0, load()))
    finally:
        if bench:
            bench.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
