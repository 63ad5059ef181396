# SPDX-License-Identifier: MIT
# Strictness: API keys, malformed multipart over raw TLS, body framing, 413, TLS suites, routing.
import json
import ssl

from .harness import KEY, PHOTO, SandboxTest, photo_bytes, png_bytes, webp_magic

BOUNDARY = "sandboxtestboundary"


def multipart(parts, boundary=BOUNDARY, eol=b"\r\n", close=True):
    out = b""
    for headers, data in parts:
        out += b"--" + boundary.encode() + eol
        for h in headers:
            out += h.encode() + eol
        out += eol + data + eol
    if close:
        out += b"--" + boundary.encode() + b"--" + eol
    return out


def photo_part(data=None, ctype="image/jpeg", name="photo.jpg"):
    return (['Content-Disposition: form-data; name="asset_file"; filename="%s"' % name,
             "Content-Type: " + ctype], photo_bytes() if data is None else data)


def role_part(role="primary_angle"):
    return (['Content-Disposition: form-data; name="asset_role"'], role.encode())


def request(path, body, ctype="multipart/form-data; boundary=" + BOUNDARY, length=None, key=KEY,
            method="POST", extra=""):
    head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\nContent-Length: %d\r\n" % (
        method, path, ctype, len(body) if length is None else length)
    if key:
        head += "x-api-key: %s\r\n" % key
    return (head + extra + "\r\n").encode() + body


class StrictTest(SandboxTest):
    def assertAihdError(self, reply, status, *texts):
        code, headers, body = reply
        self.assertEqual(code, status, body)
        obj = json.loads(body)
        self.assertEqual(set(obj), {"error", "key"})
        for text in texts:
            self.assertIn(text, obj["error"])

    def test_api_keys(self):
        for args in ([], ["-H", "x-api-key: wrong"], ["-H", "x-api-key:  %s " % KEY],
                     ["-H", "x-api-key: " + KEY, "-H", "x-api-key: " + KEY]):
            with self.subTest(args=args):
                r = self.sb.curl("/v3/order/" + "a" * 24, *args, key=None)
                self.assertEqual((r.status, r.json()),
                                 (401, {"error": "unauthorized", "key": "api_error_unauthorized"}))
                self.assertTrue(r.headers["x-sandbox-detail"])
        r = self.sb.curl("/v3/order/" + "a" * 24, "-H", "X-API-KEY: " + KEY, key=None)
        self.assertEqual(r.status, 404, r)
        mark = self.sb.mark()
        self.sb.curl("/v3/project", "-H", "x-api-key: secret-value-123", key=None)
        self.sb.get("/v3/project")
        text = open(self.sb.info["log_file"]).read()
        self.assertNotIn("secret-value-123", text)
        self.assertNotIn(KEY, "".join(json.dumps(l) for l in self.sb.logged_since(mark)))

    def test_good_raw_multipart(self):
        r = self.sb.raw(request("/v3/order", multipart([role_part(), photo_part()])))
        self.assertEqual(r[0], 201, r[2])

    def test_malformed_multipart(self):
        good = multipart([role_part(), photo_part()])
        cases = [
            (request("/v3/order", good, ctype="multipart/form-data; boundary=other"),
             "does not start with --other"),
            (request("/v3/order", good, ctype="multipart/form-data"), "no boundary parameter"),
            (request("/v3/order", good, ctype="application/json"), "multipart/form-data"),
            (request("/v3/order", multipart([role_part(), photo_part()], eol=b"\n")), "CRLF"),
            (request("/v3/order", multipart([role_part(), photo_part()], close=False)),
             "not terminated"),
            (request("/v3/order", multipart([(["Content-Type: text/plain"], b"x"), photo_part()])),
             "no Content-Disposition"),
            (request("/v3/order", multipart([(["Content-Disposition form-data"], b"x")])),
             "malformed header line"),
            (request("/v3/order", multipart([role_part(),
                                             photo_part(b"hello world", name="a.jpg")])),
             "is not an image"),
            (request("/v3/order", multipart([role_part(), photo_part(ctype="image/png")])),
             "declared image/png but its bytes are image/jpeg"),
            (request("/v3/order", multipart([role_part(), photo_part(b"")])), "is empty"),
            (request("/v3/order", multipart([(['Content-Disposition: form-data; '
                                               'name="asset_files"'], b"x"), photo_part()])),
             "unknown multipart field"),
        ]
        for raw, text in cases:
            with self.subTest(text=text):
                self.assertAihdError(self.sb.raw(raw), 400, text)

    def test_other_image_types(self):
        png = multipart([role_part(), photo_part(png_bytes(48, 32), "image/png", "p.png")])
        self.assertEqual(self.sb.raw(request("/v3/order", png))[0], 201)
        webp = multipart([role_part(), photo_part(webp_magic(), "image/webp", "w.webp")])
        self.assertEqual(self.sb.raw(request("/v3/order", webp))[0], 201)

    def test_body_framing(self):
        body = multipart([role_part(), photo_part()])
        self.sb.admin("/_admin/faults", {"body_timeout_seconds": 0.5})
        self.assertAihdError(self.sb.raw(request("/v3/order", body, length=len(body) + 100)), 408,
                             "received %d bytes" % len(body))
        self.assertAihdError(self.sb.raw(request("/v3/order", body, length=len(body) - 10)), 400,
                             "not terminated")
        r = self.sb.raw(b"POST /v3/order HTTP/1.1\r\nHost: x\r\nx-api-key: %s\r\nTransfer-Encoding:"
                        b" chunked\r\n\r\n0\r\n\r\n" % KEY.encode())
        self.assertEqual(r[0], 411, r)
        r = self.sb.raw(b"GET /v3/project HTTP/1.1\r\nx-api-key: %s\r\n\r\n" % KEY.encode())
        self.assertAihdError(r, 400, "Host header missing")
        s = self.sb.tls_socket()
        s.sendall(b"NONSENSE\r\n\r\n")
        self.assertIn(b"Bad request syntax", s.recv(4096))
        s.close()
        bad_utf8 = multipart([(['Content-Disposition: form-data; name="asset_role"'], b"\xff\xfe"),
                              photo_part()])
        self.assertAihdError(self.sb.raw(request("/v3/order", bad_utf8)), 400, "UTF-8")
        r = self.sb.raw(b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(r[0], 501, r)
        r = self.sb.raw(b"GET /api/tools HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n")
        self.assertAihdError(r, 400, "not a number")

    def test_413(self):
        r = self.sb.raw(request("/v1/order/image", b"", length=60 * 1024 * 1024))
        self.assertAihdError(r, 413, "over the sandbox's limit")
        self.assertEqual(r[1].get("connection"), "close")
        self.sb.admin("/_admin/faults", {"max_upload_bytes": 20000})
        r = self.sb.curl("/v3/order", "-F", "asset_file=@%s;type=image/jpeg" % PHOTO)
        self.assertEqual((r.status, r.json()["key"]), (413, "api_error_file_too_large"))
        img = self.sb.post_json("/v3/images/", {"image_name": "big"}).json()
        r = self.sb.curl(img["upload_url"], "-T", PHOTO, "-H", "Content-Type: image/jpeg", key=None)
        self.assertEqual(r.status, 413, r)
        self.assertIn(b"<Code>EntityTooLarge</Code>", r.body)
        r = self.sb.curl("/v3/order", "-H", "Expect: 100-continue",
                         "-F", "asset_file=@%s;type=image/jpeg" % PHOTO)
        self.assertEqual(r.status, 413, r)
        self.sb.admin("/_admin/reset")
        r = self.sb.curl("/v3/order", "-H", "Expect: 100-continue",
                         "-F", "asset_file=@%s;type=image/jpeg" % PHOTO)
        self.assertEqual(r.status, 201, r)

    def test_keep_alive(self):
        s = self.sb.tls_socket()
        for _ in range(3):
            status, headers, body = self.sb.raw(
                b"GET /api/tools HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", sock=s)
            self.assertEqual(status, 200)
            self.assertEqual(int(headers["content-length"]), len(body))
        s.close()

    def test_tls_suites_and_names(self):
        for cipher in ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                       "ECDHE-ECDSA-CHACHA20-POLY1305"):
            with self.subTest(cipher=cipher):
                s = self.sb.tls_socket(maximum_version=ssl.TLSVersion.TLSv1_2, ciphers=cipher)
                self.assertEqual((s.version(), s.cipher()[0]), ("TLSv1.2", cipher))
                s.close()
        s = self.sb.tls_socket(minimum_version=ssl.TLSVersion.TLSv1_3)
        self.assertEqual(s.version(), "TLSv1.3")
        s.close()
        r = self.sb.curl("https://localhost:%d/api/tools" % self.sb.port, key=None)
        self.assertEqual(r.status, 200, r)
        r = self.sb.curl("/api/tools", "--tlsv1.2", "--tls-max", "1.2", key=None)
        self.assertEqual(r.status, 200, r)

    def test_routing(self):
        r = self.sb.get("/v3/nothing")
        self.assertEqual((r.status, r.json()["key"]), (404, "api_error_not_found"))
        r = self.sb.curl("/v3/process/" + "a" * 24, "-X", "DELETE")
        self.assertEqual(r.status, 405, r)
        self.assertEqual(r.headers["allow"], "GET")
        r = self.sb.get("/v3/orders/" + "nope")
        self.assertEqual(set(r.json()), {"message", "detail"})
        r = self.sb.curl("/api/tools", "-I", key=None)
        self.assertEqual((r.status, r.body[:8]), (200, b"HTTP/1.1"))
        self.assertGreater(int(r.headers["content-length"]), 100)
        r = self.sb.get("/cdn/results/" + "0" * 24 + ".jpg", key=None)
        self.assertEqual(r.status, 404, r)
        self.assertIn(b"<Code>NoSuchKey</Code>", r.body)
