# SPDX-License-Identifier: MIT
# The CDN and S3 origins: own ports, own keys, URLs that point at them, and the request log.
import hashlib
import json
import os
import socket
import ssl
import subprocess
import time
from urllib.parse import urlsplit

from .harness import PHOTO, mask_png, photo_bytes, read_response, shared
from .test_aihd_v3 import AihdV3Helpers
from .test_autoenhance import AutoenhanceHelpers


def _peer_cert(port, ca):
    ctx = ssl.create_default_context(cafile=ca)  # verifies the chain and the name localhost
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        with ctx.wrap_socket(sock, server_hostname="localhost") as tls:
            return tls.getpeercert(binary_form=True)


def _public_key(der):
    pem = ssl.DER_cert_to_PEM_cert(der).encode()
    return subprocess.run(["openssl", "x509", "-noout", "-pubkey"], input=pem,
                          stdout=subprocess.PIPE, check=True).stdout


class OriginsTest(AihdV3Helpers):
    def test_startup_line_names_three_origins_with_their_own_keys(self):
        info = shared().info
        api, cdn, s3 = (urlsplit(info[k]) for k in ("base_url", "cdn_base_url", "s3_base_url"))
        self.assertEqual((cdn.hostname, cdn.port), ("localhost", info["cdn_port"]))
        self.assertEqual((s3.hostname, s3.port), ("localhost", info["s3_port"]))
        self.assertEqual(api.hostname, "127.0.0.1")
        self.assertEqual(len({info["port"], info["cdn_port"], info["s3_port"]}), 3)
        keys = {_public_key(_peer_cert(p, info["ca_file"]))
                for p in (info["port"], info["cdn_port"], info["s3_port"])}
        self.assertEqual(len(keys), 3, "each origin must have its own key")
        state = os.path.dirname(info["ca_file"])
        for name in ("cdn", "s3"):
            text = subprocess.run(["openssl", "x509", "-in", os.path.join(state, name + ".pem"),
                                   "-noout", "-text"], stdout=subprocess.PIPE,
                                  check=True).stdout.decode()
            self.assertIn("DNS:localhost, DNS:127.0.0.1, IP Address:127.0.0.1", text)

    def test_result_urls_are_on_the_cdn_origin_only(self):
        info = self.sb.info
        order_id, asset_id = self.new_order()
        pid = self.data(self.process(order_id, asset_id))["process_ids"][0]
        done = self.poll(lambda: self.data(self.sb.get("/v3/process/" + pid)),
                         lambda p: p["status"] in ("done", "failed"))
        src = done["final_assets"][0]["src"]
        self.assertTrue(src.startswith(info["cdn_base_url"] + "/cdn/results/"), src)
        entry = self.data(self.sb.get("/v3/order/" + order_id))["entry_assets"][0]
        self.assertTrue(entry["src"].startswith(info["cdn_base_url"] + "/cdn/assets/"))
        mark = self.sb.mark()
        self.assertEqual(self.sb.curl(src, key=None).status, 200)
        self.assertEqual(self.sb.curl(src).status, 200)  # the key is logged, not refused
        # A client that rebuilds the URL against the API (or the S3 origin) gets 404
        path = urlsplit(src).path
        wrong = self.sb.curl(info["base_url"] + path, key=None)
        self.assertEqual(wrong.status, 404, wrong)
        self.assertIn("CDN origin", wrong.headers["x-sandbox-detail"])
        self.assertEqual(self.sb.curl(info["s3_base_url"] + path, key=None).status, 404)
        self.assertEqual(self.sb.curl(info["cdn_base_url"] + "/v3/project").status, 404)
        lines = self.sb.logged_since(mark)
        self.assertEqual([(l["origin"], l["status"], l.get("api_key_sent")) for l in lines],
                         [("cdn", 200, False), ("cdn", 200, True), ("api", 404, None),
                          ("s3", 404, False), ("cdn", 404, True)])
        self.assertIn("warning", lines[1])


class S3OriginTest(AutoenhanceHelpers):
    def test_upload_and_redirect_use_their_origins(self):
        info = self.sb.info
        r = self.create()
        img = r.json()
        url = img["upload_url"]
        self.assertTrue(url.startswith(info["s3_base_url"] + "/s3/autoenhance/"), url)
        mark = self.sb.mark()
        self.assertEqual(self.put(url.replace(info["s3_base_url"], info["base_url"])).status, 404)
        self.assertEqual(self.put(url.replace(info["s3_base_url"], info["cdn_base_url"])).status,
                         404)
        self.assertEqual(self.put(url).status, 200)
        lines = self.sb.logged_since(mark)
        self.assertEqual([(l["origin"], l["status"], l.get("api_key_sent")) for l in lines],
                         [("api", 404, None), ("cdn", 404, False), ("s3", 200, False)])
        self.wait(img["image_id"])
        self.sb.admin("/_admin/faults", {"redirect_enhanced": True})
        r = self.sb.get("/v3/images/%s/enhanced?preview=false" % img["image_id"])
        self.assertEqual(r.status, 302, r)
        self.assertTrue(r.headers["location"].startswith(info["cdn_base_url"] + "/cdn/results/"))
        self.assertEqual(self.sb.curl(r.headers["location"], key=None).status, 200)


class UploadLogTest(AutoenhanceHelpers):
    def files_of(self, mark):
        return [(l["path"], f) for l in self.sb.logged_since(mark) for f in l.get("files", [])]

    def test_every_uploaded_file_is_logged_with_size_and_sha256(self):
        photo = photo_bytes()
        mask = mask_png(640, 400)
        mask_path = self.sb.file("mask.png", mask)
        mark = self.sb.mark()
        # Given one upload of each kind: v3 order, v3 append, v1 image, Autoenhance PUT
        r = self.sb.curl("/v3/order", "-F", "asset_role=primary_angle",
                         "-F", "asset_file=@%s;type=image/jpeg" % PHOTO)
        order_id = r.json()["data"]["order_id"]
        self.sb.curl("/v3/order/%s/append" % order_id, "-F", "asset_role=mask",
                     "-F", "asset_file=@%s;type=image/png" % mask_path)
        self.sb.curl("/v1/order/image", "-F", "service_name=service-item-removal",
                     "-F", "image=@%s;type=image/jpeg" % PHOTO)
        self.uploaded()
        # Then each request's log line names each file's bytes
        got = [(path, f["field"], f["size"], f["sha256"]) for path, f in self.files_of(mark)]
        jpeg = (len(photo), hashlib.sha256(photo).hexdigest())
        png = (len(mask), hashlib.sha256(mask).hexdigest())
        self.assertEqual([g[:2] for g in got], [
            ("/v3/order", "asset_file"), ("/v3/order/%s/append" % order_id, "asset_file"),
            ("/v1/order/image", "image"), (got[3][0], "body")])
        self.assertEqual([g[2:] for g in got], [jpeg, png, jpeg, jpeg])
        self.assertTrue(got[3][0].startswith("/s3/autoenhance/"))


class ConnectionLogTest(AihdV3Helpers):
    """Each log line names its TLS connection and whether that connection resumed a session."""

    def get_on(self, tls):
        tls.sendall(b"GET /api/tools HTTP/1.1\r\nHost: x\r\n\r\n")
        return read_response(tls)[0]

    def test_requests_are_logged_with_their_connection_and_resumption(self):
        mark = self.sb.mark()
        # Given two requests on one kept-alive TLS 1.2 connection
        first = self.sb.tls_socket(maximum_version=ssl.TLSVersion.TLSv1_2)
        self.assertEqual((self.get_on(first), self.get_on(first)), (200, 200))
        session = first.session
        first.close()
        # When a second connection resumes its session, and a third starts afresh
        sock = socket.create_connection(("127.0.0.1", self.sb.port), timeout=10)
        resumed = first.context.wrap_socket(sock, server_hostname="127.0.0.1", session=session)
        self.assertTrue(resumed.session_reused)
        self.assertEqual(self.get_on(resumed), 200)
        resumed.close()
        self.assertEqual(self.sb.get("/api/tools", key=None).status, 200)
        # Then the log tells the connections apart, and which one was resumed
        lines = self.sb.logged_since(mark)
        conns = [l["conn"] for l in lines]
        self.assertEqual(conns[0], conns[1])
        self.assertEqual(len(set(conns)), 3, conns)
        self.assertTrue(all(isinstance(c, int) and c > 0 for c in conns), conns)
        self.assertEqual([l["tls_resumed"] for l in lines], [False, False, True, False])
        self.assertTrue(lines[0]["tls"].startswith("TLSv1.2 ECDHE-"), lines[0]["tls"])
        self.assertTrue(lines[3]["tls"].startswith("TLSv1.3 "), lines[3]["tls"])
        # And the connection log has one line per connection, with its bytes on the wire
        closed = self.closed_connections(set(conns))
        self.assertEqual([closed[c]["tls_resumed"] for c in conns[1:]], [False, True, False])
        for c in set(conns):
            self.assertEqual(closed[c]["origin"], "api")
            self.assertEqual(closed[c]["tls"], lines[conns.index(c)]["tls"])
        body_out = {c: sum(l["bytes_out"] for l in lines if l["conn"] == c) for c in conns}
        for c in set(conns):
            # TLS records carry each answer (head and body) and the handshake
            self.assertGreater(closed[c]["tcp_bytes_out"], body_out[c] + 100, closed[c])
            self.assertGreater(closed[c]["tcp_bytes_in"], 100, closed[c])
        self.assertGreater(closed[conns[0]]["tcp_bytes_out"], closed[conns[2]]["tcp_bytes_out"],
                           "a full handshake sends the certificate; a resumed one does not")

    def closed_connections(self, conns, timeout=10.0):
        """The connection log's lines for conns, once all of them have closed."""
        path = self.sb.info["conn_log_file"]
        deadline = time.monotonic() + timeout
        while True:
            with open(path, encoding="utf-8") as f:
                got = {l["conn"]: l for l in map(json.loads, f) if l["conn"] in conns}
            if set(got) == conns or time.monotonic() > deadline:
                self.assertEqual(set(got), conns)
                return got
            time.sleep(0.05)
