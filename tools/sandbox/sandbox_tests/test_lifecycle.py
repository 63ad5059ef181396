# SPDX-License-Identifier: MIT
# Start-up and shutdown: the JSON startup line, certificate reuse, command-line switches, SIGTERM.
import json
import os
import subprocess
import sys
import time
import unittest

from .harness import PHOTO, SANDBOX, Sandbox, read_response, shared


class LifecycleTest(unittest.TestCase):
    def test_startup_line_and_certificates(self):
        info = shared().info
        self.assertEqual(set(info), {"port", "ca_file", "log_file", "base_url", "pid",
                                     "cdn_base_url", "cdn_port", "s3_base_url", "s3_port",
                                     "conn_log_file"})
        self.assertTrue(all(os.path.isabs(info[k]) for k in ("ca_file", "log_file",
                                                             "conn_log_file")))
        self.assertEqual(info["base_url"], "https://127.0.0.1:%d" % info["port"])
        server_pem = os.path.join(os.path.dirname(info["ca_file"]), "server.pem")
        text = subprocess.run(["openssl", "x509", "-in", server_pem, "-noout", "-text"],
                              stdout=subprocess.PIPE, check=True).stdout.decode()
        self.assertIn("DNS:localhost, DNS:127.0.0.1, IP Address:127.0.0.1, "
                      "IP Address:0:0:0:0:0:0:0:1", text)
        self.assertIn("TLS Web Server Authentication", text)
        self.assertIn("prime256v1", text)
        ca = subprocess.run(["openssl", "x509", "-in", info["ca_file"], "-noout", "-text"],
                            stdout=subprocess.PIPE, check=True).stdout.decode()
        self.assertIn("CA:TRUE", ca)
        self.assertIn("Certificate Sign", ca)

    def test_restart_reuses_ca_and_stops_on_sigterm(self):
        first = Sandbox().start()
        try:
            ca_before = open(first.ca, "rb").read()
            self.assertEqual(first.stop(), 0)
            second = Sandbox(state=first.state).start()
            self.assertEqual(open(second.ca, "rb").read(), ca_before)
            self.assertEqual(second.curl("/api/tools", key=None).status, 200)
            idle = second.tls_socket()  # an idle keep-alive connection must not delay the stop
            start = time.monotonic()
            self.assertEqual(second.stop(), 0)
            self.assertLess(time.monotonic() - start, 5)
            idle.close()
            second.cleanup()
        finally:
            first.cleanup()

    def test_command_line_switches(self):
        sb = Sandbox()
        log = os.path.join(sb.tmp, "custom.jsonl")
        sb.args = ["--api-key", "kiosk-1", "--bare", "--rate-limit", "1/60", "--log", log,
                   "--fail", "GET:/v3/project:503:1", "--process-seconds", "0.2", "--quiet",
                   "--result-urls", "mixed"]
        sb.start()
        try:
            self.assertEqual(sb.admin("/_admin/faults")["result_urls"], "mixed")
            self.assertEqual(sb.info["log_file"], log)
            self.assertEqual(sb.curl("/v3/project", key="sandbox-key").status, 401)
            self.assertEqual(sb.curl("/v3/project", key="kiosk-1").status, 503)
            self.assertEqual(sb.curl("/v3/project", key="kiosk-1").status, 200)
            args = ["-F", "asset_file=@%s;type=image/jpeg" % PHOTO]
            r = sb.curl("/v3/order", *args, key="kiosk-1")
            self.assertEqual(r.status, 201, r)
            self.assertIn("order_id", r.json())
            self.assertEqual(sb.curl("/v3/order", *args, key="kiosk-1").status, 429)
            lines = [json.loads(l) for l in open(log) if '"admin"' not in l]
            self.assertEqual([l["status"] for l in lines], [401, 503, 200, 201, 429])
            self.assertEqual(sb.stop(), 0)
        finally:
            sb.cleanup()

    def test_unread_stderr_pipe_and_fast_keep_alive(self):
        # Given a parent that never reads the sandbox's stderr pipe (64 KiB fills after ~500 lines)
        sb = Sandbox()
        sb.proc = subprocess.Popen([sys.executable, SANDBOX, "--port", "0", "--state", sb.state],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            sb.info = json.loads(sb.proc.stdout.readline().decode())
            sb.port, sb.ca, sb.base = sb.info["port"], sb.info["ca_file"], sb.info["base_url"]
            sock = sb.tls_socket()
            start = time.monotonic()
            # When 1500 requests go over one keep-alive connection
            for _ in range(1500):
                sock.sendall(b"GET /v3/order/%s HTTP/1.1\r\nHost: localhost\r\n\r\n" % (b"a" * 24))
                self.assertEqual(read_response(sock)[0], 401)
            # Then none blocks on stderr and none waits for delayed ACKs
            self.assertLess(time.monotonic() - start, 10)
            sock.close()
        finally:
            sb.proc.terminate()
            sb.proc.wait(10)
            sb.proc.stdout.close()
            sb.proc.stderr.close()
            sb.proc = None
            sb.cleanup()
