# SPDX-License-Identifier: MIT
"""Integration tests of `snapstage fetch` (the client's own HTTP/TLS stack) against real peers on
loopback: Python http.server + ssl, openssl s_server and nginx, with certificates made here.
Usage: net_peers_test.py PATH_TO_SNAPSTAGE. Prints "N passed, N failed" last."""
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net_peers import Peers, Pki  # noqa: E402

SNAPSTAGE = os.path.abspath(sys.argv[1])


def _out_of_time(signum, frame):
    raise TimeoutError("the network integration tests ran past 480 s")


# The whole run is bounded; the exception unwinds to main(), which kills every server.
signal.signal(signal.SIGALRM, _out_of_time)
signal.alarm(480)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Env:
    def __init__(self, work):
        self.work = work
        self.data = os.path.join(work, "data")
        os.makedirs(self.data)
        self.pki = Pki(os.path.join(work, "pki"))
        self.good = self.pki.leaf("good")
        self.good_rsa = self.pki.leaf("good-rsa", key="rsa")
        self.expired = self.pki.leaf("expired", "20200101000000Z", "20210101000000Z")
        self.future = self.pki.leaf("future", "20900101000000Z", "20991231000000Z")
        self.wrong = self.pki.leaf("wrong", ext="wronghost")
        self.ip_only = self.pki.leaf("ip-only", ext="ipaddr")  # CN wrong.example, IP SANs
        self.untrusted = self.pki.self_signed("untrusted")
        self.big = os.path.join(self.data, "big.bin")
        with open(self.big, "wb") as f:
            f.write(os.urandom(24 * 1024 * 1024 + 13))
        self.photo = os.path.join(self.data, "photo.jpg")
        with open(self.photo, "wb") as f:
            f.write(b"\xff\xd8\xff\xe0" + os.urandom(3 * 1024 * 1024) + b"\xff\xd9")
        self.peers = Peers(work)
        self.origin = self.peers.python_origin(*self.good, self.data)
        self.origin2 = self.peers.python_origin(*self.good_rsa, self.data)
        self.backend = self.peers.python_origin("-", "-", self.data)
        self.nginx = self.peers.nginx(*self.good, self.data, self.backend)
        self.bad = {name: self.peers.python_origin(*getattr(self, name), self.data)
                    for name in ("expired", "future", "wrong", "untrusted")}
        self.s_server = self.peers.s_server(*self.good_rsa, self.data)
        self.s_server_old = self.peers.s_server(*self.good_rsa, self.data,
                                                ["-tls1_2", "-cipher", "AES128-SHA"])
        self.nginx_ip = self.peers.nginx(*self.ip_only, self.data, self.backend)
        # TLS 1.2 only, RSA key, the client's order of signature algorithms (OpenSSL's default).
        self.s_server_rsa12 = self.peers.s_server(*self.good_rsa, self.data, ["-tls1_2"])

    def fetch(self, *args, ca=True, config=None, timeout=120):
        cmd = [SNAPSTAGE]
        if config is not None:
            path = os.path.join(self.work, "config.json")
            with open(path, "w") as f:
                json.dump(config, f)
            cmd += ["-c", path]
        cmd += ["fetch", *args]
        if ca:
            cmd += ["--ca", self.pki.ca]
        return subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=self.work)


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def refused(r, code, *words):
    err = r.stderr.decode(errors="replace")
    expect(r.returncode == code, f"exit {r.returncode}, wanted {code}: {err}")
    for w in words:
        expect(w in err, f"{w!r} not in: {err}")


def t_get_python(env):
    r = env.fetch(f"https://localhost:{env.origin}/hello")
    expect(r.returncode == 0 and r.stdout == b"hello from python\n", r.stderr)


def t_chunked_with_trailers(env):
    r = env.fetch(f"https://localhost:{env.origin}/chunked")
    expect(r.returncode == 0 and r.stdout == b"chunked body with trailers\n", (r.stdout, r.stderr))


def t_close_delimited(env):
    r = env.fetch(f"https://localhost:{env.origin}/close")
    expect(r.returncode == 0 and r.stdout == b"body ended by close\n", (r.stdout, r.stderr))


def t_redirect_same_origin_reuses_connection(env):
    out = os.path.join(env.work, "redir.txt")
    r = env.fetch(f"https://localhost:{env.origin}/redirect", "-o", out, "--json", "-v")
    expect(r.returncode == 0, r.stderr)
    events = [json.loads(line) for line in r.stdout.decode().splitlines()]
    connects = [e for e in events if e["event"] == "fetch.connected"]
    done = [e for e in events if e["event"] == "fetch.done"][0]
    expect(len(connects) == 1, f"one keep-alive connection for both hops: {events}")
    expect(done["redirects"] == 1 and done["status"] == 200, done)
    expect(open(out, "rb").read() == b"hello from python\n", "body")


def t_no_redirect_returns_the_3xx(env):
    out = os.path.join(env.work, "noredir.txt")
    r = env.fetch(f"https://localhost:{env.origin}/redirect", "--no-redirect", "--json", "-o", out)
    expect(r.returncode == 0, r.stderr)
    done = [json.loads(line) for line in r.stdout.decode().splitlines()][-1]
    expect(done["event"] == "fetch.done" and done["status"] == 302 and done["redirects"] == 0,
           done)


def t_redirect_other_origin_drops_credentials(env):
    target = f"https://localhost:{env.origin2}/headers"
    r = env.fetch(f"https://localhost:{env.origin}/redirect-to?url={target}",
                  "-H", "Authorization: Bearer secret", "-H", "X-Api-Key: k", "-H", "X-Other: 1")
    body = r.stdout.decode()
    expect(r.returncode == 0, r.stderr)
    expect("X-Other: 1" in body, body)
    expect("Authorization" not in body and "X-Api-Key" not in body, body)


def t_echoed_credentials_are_redacted(env):
    key, token = "sk-echo-0123456789abcdef", "tok-fedcba9876543210"
    out = os.path.join(env.work, "echo.txt")
    r = env.fetch(f"https://localhost:{env.origin}/echo-401", "-o", out, "--json", "-i",
                  "-H", f"x-api-key: {key}", "-H", f"Authorization: Bearer {token}")
    err, events = r.stderr.decode(errors="replace"), r.stdout.decode()
    expect(r.returncode == 4, f"exit {r.returncode}: {err}")
    for secret in (key, token):
        expect(secret not in err and secret not in events, f"{secret} printed: {err}{events}")
    expect("X-Echo-Key: [redacted]" in err, err)
    error = [json.loads(line) for line in events.splitlines()][-1]
    expect(error["event"] == "error" and "[redacted]" in error["message"], error)


def t_large_download_byte_for_byte(env):
    for port, name in ((env.origin, "python"), (env.nginx, "nginx"), (env.s_server, "s_server")):
        out = os.path.join(env.work, f"big-{name}.bin")
        path = "/files/big.bin" if name != "s_server" else "/big.bin"
        r = env.fetch(f"https://localhost:{port}{path}", "-o", out)
        expect(r.returncode == 0, f"{name}: {r.stderr}")
        expect(sha256_file(out) == sha256_file(env.big), f"{name}: bytes differ")


def t_multipart_upload_parsed_by_server(env):
    for port in (env.origin, env.nginx):
        r = env.fetch(f"https://localhost:{port}/upload", "-F", "tool=virtual-staging",
                      "-F", f"image=@{env.photo};type=image/jpeg", "-F",
                      f"mask=@{env.big};filename=mask.bin")
        expect(r.returncode == 0, r.stderr)
        got = json.loads(r.stdout)
        parts = got["parts"]
        expect(parts["tool"]["sha256"] == hashlib.sha256(b"virtual-staging").hexdigest(), got)
        expect(parts["image"]["sha256"] == sha256_file(env.photo), got)
        expect(parts["image"]["type"] == "image/jpeg" and parts["image"]["filename"] == "photo.jpg",
               got)
        expect(parts["mask"]["sha256"] == sha256_file(env.big), got)
        expect(parts["mask"]["filename"] == "mask.bin", got)


def t_raw_put(env):
    r = env.fetch(f"https://localhost:{env.origin}/put", "-X", "PUT", "--data-file", env.photo,
                  "-H", "Content-Type: image/jpeg")
    expect(r.returncode == 0, r.stderr)
    got = json.loads(r.stdout)
    expect(got["sha256"] == sha256_file(env.photo) and got["type"] == "image/jpeg", got)


def t_ip_literal_matches_ip_san_at_nginx(env):
    r = env.fetch(f"https://127.0.0.1:{env.nginx_ip}/files/photo.jpg", "-o",
                  os.path.join(env.work, "ip.jpg"))
    expect(r.returncode == 0, r.stderr)
    # A certificate for localhost only is still refused at 127.0.0.1.
    r = env.fetch(f"https://127.0.0.1:{env.nginx}/files/photo.jpg")
    refused(r, 3, "the certificate is for localhost, not 127.0.0.1")


def t_tls12_only_server_with_rsa_key(env):
    r = env.fetch(f"https://localhost:{env.s_server_rsa12}/photo.jpg", "-v",
                  "-o", os.path.join(env.work, "rsa12.jpg"))
    expect(r.returncode == 0, r.stderr)
    expect(b"TLSv1.2 TLS-ECDHE-RSA-" in r.stderr, r.stderr)


def t_output_file_only_when_complete(env):
    out = os.path.join(env.work, "partial.bin")
    r = env.fetch(f"https://localhost:{env.origin}/early-close", "-o", out)
    refused(r, 3, "closed the connection after")
    expect(not os.path.exists(out), "a partial file appeared")
    expect(not [n for n in os.listdir(env.work) if n.startswith("partial.bin")], "temporary left")


def t_stall_times_out(env):
    r = env.fetch(f"https://localhost:{env.origin}/stall", "--max-time", "1.5")
    refused(r, 3, "time limit")


def t_interrupt_removes_partial_output(env):
    import time
    out = os.path.join(env.work, "interrupted.bin")
    proc = subprocess.Popen([SNAPSTAGE, "fetch", "--ca", env.pki.ca, "-o", out,
                             f"https://localhost:{env.origin}/stall"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=env.work)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    expect(proc.returncode == 130, f"exit {proc.returncode}: {err}")
    expect(b"interrupted" in err, err)
    expect(not [n for n in os.listdir(env.work) if n.startswith("interrupted.bin")],
           "partial output left")


def t_status_codes(env):
    refused(env.fetch(f"https://localhost:{env.origin}/status/404"), 4, "404")
    refused(env.fetch(f"https://localhost:{env.origin}/status/503"), 3, "503", "does not retry",
            "Retry-After: 30 s")
    refused(env.fetch(f"https://localhost:{env.origin}/status/429"), 3, "429")


def t_tls_failures(env):
    def url(name):
        return f"https://localhost:{env.bad[name]}/hello"
    refused(env.fetch(url("expired")), 3, "expired on 2021-01-01")
    refused(env.fetch(url("future")), 3, "valid only from 2090-01-01", "clock reads",
            "clock may be unset")
    refused(env.fetch(url("wrong")), 3, "certificate is for wrong.example, not localhost")
    refused(env.fetch(url("untrusted")), 3, "not a trusted CA")
    # Without --ca the system bundle is used, which does not know the test CA.
    refused(env.fetch(f"https://localhost:{env.origin}/hello", ca=False), 3, "not a trusted CA")
    refused(env.fetch(f"https://localhost:{env.s_server_old}/x"), 3, "TLS handshake")


def t_pins(env):
    good = Pki.pin(env.good[0])
    other = Pki.pin(env.good_rsa[0])
    ok = env.fetch(f"https://localhost:{env.origin}/hello", config={"tls": {"pins": [good]}})
    expect(ok.returncode == 0, ok.stderr)
    bad = env.fetch(f"https://localhost:{env.origin}/hello", config={"tls": {"pins": [other]}})
    refused(bad, 3, "matches none of the configured tls.pins", good)


def t_plain_http_and_refused_port(env):
    r = env.fetch(f"http://127.0.0.1:{env.backend}/hello", ca=False)
    expect(r.returncode == 0 and r.stdout == b"hello from python\n", r.stderr)
    refused(env.fetch(f"https://localhost:{env.backend}/hello"), 3, "https port")


PHOTO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "photos",
                     "lakeside-640.jpg")


def sandbox_admin(info, path, body):
    import ssl
    import urllib.request
    ctx = ssl.create_default_context(cafile=info["ca_file"])
    req = urllib.request.Request(info["base_url"] + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        return r.read()


def t_sandbox_order_upload_and_faults(env):
    info = env.peers.sandbox(os.path.join(env.work, "sandbox"), "--rate-limit", "off")
    base, ca = info["base_url"].replace("127.0.0.1", "localhost"), info["ca_file"]

    def order(*extra, key="sandbox-key"):
        return env.fetch(base + "/v3/order", "-H", f"x-api-key: {key}", "-F",
                         f"asset_file=@{PHOTO}", "-F", "asset_role=primary_angle", *extra,
                         "--ca", ca, ca=False)
    tools = env.fetch(base + "/api/tools", "--ca", ca, ca=False)
    expect(tools.returncode == 0 and "data" in json.loads(tools.stdout), tools.stderr)
    # The sandbox checks multipart strictly: file name, Content-Type against the magic bytes.
    created = order()
    expect(created.returncode == 0, created.stderr)
    expect(json.loads(created.stdout)["data"]["order_id"], created.stdout)
    refused(order(key="wrong-key"), 4, "401")
    sandbox_admin(info, "/_admin/faults", {"fail_next": {"path": "/v3/order", "method": "POST",
                                                         "status": 429, "retry_after": 5}})
    refused(order(), 3, "429", "Retry-After: 5 s", "does not retry")
    sandbox_admin(info, "/_admin/faults", {"reset_upload": 1})
    refused(order(), 3, "closed the connection")
    # Refused before the body is read (Content-Length over the limit): the early answer is used.
    sandbox_admin(info, "/_admin/faults", {"max_upload_bytes": 1000})
    refused(order(), 4, "413")


TESTS = [v for k, v in sorted(globals().items()) if k.startswith("t_")]


def main():
    work = tempfile.mkdtemp(prefix="snapstage-net-")
    passed = failed = 0
    env = None
    try:
        env = Env(work)
        for test in TESTS:
            try:
                test(env)
                passed += 1
                print(f"ok   {test.__name__[2:]}", flush=True)
            except Exception:
                failed += 1
                print(f"FAIL {test.__name__[2:]}\n{traceback.format_exc()}", flush=True)
    except Exception:
        failed += 1
        print(f"FAIL set-up\n{traceback.format_exc()}", flush=True)
    finally:
        if env:
            env.peers.close()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
