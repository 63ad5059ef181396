# SPDX-License-Identifier: MIT
# Autoenhance flows: register, presigned PUT, poll, enhanced/original downloads, orders, errors.
import time
import uuid

from .harness import PHOTO, SandboxTest, decode_ppm, photo_bytes


class AutoenhanceHelpers(SandboxTest):
    def create(self, **fields):
        body = {"image_name": "lakeside", "content_type": "image/jpeg"}
        body.update(fields)
        body = {k: v for k, v in body.items() if v is not None}
        return self.sb.post_json("/v3/images/", body)

    def put(self, url, path=PHOTO, ctype="image/jpeg", *extra):
        return self.sb.curl(url, "-T", path, "-H", "Content-Type: " + ctype, *extra, key=None)

    def uploaded(self, **fields):
        r = self.create(**fields)
        self.assertEqual(r.status, 200, r)
        img = r.json()
        r = self.put(img["upload_url"])
        self.assertEqual(r.status, 200, r)
        return img

    def wait(self, image_id):
        return self.poll(lambda: self.sb.get("/v3/images/" + image_id, key=None).json(),
                         lambda i: i["enhanced"] or i["error"])


class AutoenhanceTest(AutoenhanceHelpers):
    def test_flow(self):
        self.sb.admin("/_admin/faults", {"process_seconds": 1.0})
        r = self.create()
        self.assertEqual(r.status, 200, r)
        img = r.json()
        self.assertEqual(img["upload_url"], img["s3PutObjectUrl"])
        self.assertEqual((img["status"], img["enhanced"], img["error"]), ("waiting", False, False))
        uuid.UUID(img["image_id"])
        uuid.UUID(img["order_id"])
        self.assertIn("X-Amz-Signature=", img["upload_url"])
        r = self.sb.get("/v3/images/" + img["image_id"], key=None)
        self.assertEqual(r.json()["status"], "waiting")
        mark = self.sb.mark()
        r = self.put(img["upload_url"])
        self.assertEqual((r.status, r.body), (200, b""))
        self.assertIn("etag", r.headers)
        put_line = self.sb.logged_since(mark)[-1]
        self.assertEqual((put_line["method"], put_line["vendor"], put_line["image_id"]),
                         ("PUT", "cdn", img["image_id"]))
        status = self.sb.get("/v3/images/" + img["image_id"]).json()["status"]
        self.assertEqual(status, "processing")
        done = self.wait(img["image_id"])
        self.assertEqual((done["status"], done["enhanced"], done["downloaded"]),
                         ("processed", True, False))
        full = self.sb.get("/v3/images/%s/enhanced?preview=false" % img["image_id"])
        self.assertEqual((full.status, full.headers["content-type"]), (200, "image/jpeg"))
        self.assertJpegDiffers(full.body)
        preview = self.sb.get("/v3/images/%s/enhanced" % img["image_id"])
        self.assertEqual(decode_ppm(preview.body)[:2], (320, 200))
        narrow = self.sb.get("/v3/images/%s/enhanced?preview=false&max_width=100" % img["image_id"])
        self.assertEqual(decode_ppm(narrow.body)[:2], (100, 62))
        png = self.sb.get("/v3/images/%s/enhanced?preview=false&format=png" % img["image_id"])
        self.assertEqual((png.headers["content-type"], png.body[:4]), ("image/png", b"\x89PNG"))
        original = self.sb.get("/v3/images/%s/original" % img["image_id"], key=None)
        self.assertEqual(original.body, photo_bytes())
        self.assertTrue(self.sb.get("/v3/images/" + img["image_id"]).json()["downloaded"])
        order = self.sb.get("/v3/orders/" + img["order_id"], key=None).json()
        self.assertEqual((order["status"], order["is_processing"], order["total_images"]),
                         ("processed", False, 1))
        self.assertEqual(order["images"][0]["image_id"], img["image_id"])
        r = self.sb.get("/v3/images/%s/enhanced?quality=95&format=gif" % img["image_id"])
        self.assertEqual(r.status, 422, r)
        self.assertEqual(set(r.json()["detail"]["location"]), {"quality", "format"})

    def test_validation(self):
        cases = [
            ({"image_name": None}, "image_name"),
            ({"enhance_type": "vivid"}, "enhance_type"),
            ({"rating": 7}, "rating"),
            ({"vertical_correction": "yes"}, "vertical_correction"),
            ({"sky": True}, "sky"),
            ({"hdr": True}, "order_id"),
            ({"content_type": "jpeg"}, "content_type"),
            ({"cloud_type": "STORMY"}, "cloud_type"),
        ]
        for fields, field in cases:
            with self.subTest(fields=fields):
                r = self.create(**fields)
                self.assertEqual(r.status, 422, r)
                body = r.json()
                self.assertEqual(body["message"], "Validation error")
                self.assertIn(field, body["detail"]["location"])
                self.assertIsInstance(body["detail"]["location"][field], list)
        r = self.sb.post_json("/v3/images/", {"image_name": "x", "contentType": "image/png"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["image_type"], "png")
        r = self.sb.curl("/v3/images/", "-H", "Content-Type: text/plain", "--data-binary", "hi")
        self.assertEqual(r.status, 422, r)

    def test_presigned_put_errors(self):
        img = self.create().json()
        r = self.put(img["upload_url"], PHOTO, "image/png")
        self.assertEqual((r.status, r.headers["content-type"]), (403, "application/xml"))
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", r.body)
        self.assertIn(b"image/png", r.body)
        r = self.put(img["upload_url"], PHOTO, "image/jpeg", "-H", "x-api-key: sandbox-key")
        self.assertEqual(r.status, 400, r)
        self.assertIn(b"x-api-key", r.body)
        text = self.sb.file("not-a-photo.jpg", b"hello, this is text\n" * 10)
        r = self.put(img["upload_url"], text, "image/jpeg")
        self.assertEqual(r.status, 400, r)
        self.assertIn(b"not a image/jpeg", r.body)
        r = self.put(img["upload_url"].replace("X-Amz-Expires=3600", "X-Amz-Expires=7200"))
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.sb.get("/v3/images/" + img["image_id"]).json()["status"], "waiting")
        self.sb.admin("/_admin/faults", {"upload_url_expires": 1})
        short = self.create().json()
        time.sleep(2.1)
        r = self.put(short["upload_url"])
        self.assertEqual(r.status, 403, r)
        self.assertIn(b"<Code>AccessDenied</Code><Message>Request has expired</Message>", r.body)

    def test_not_ready_and_not_found(self):
        img = self.create().json()
        r = self.sb.get("/v3/images/%s/enhanced" % img["image_id"])
        self.assertEqual(r.status, 409, r)
        self.assertEqual(set(r.json()), {"message", "detail"})
        r = self.sb.get("/v3/images/%s/original" % img["image_id"], key=None)
        self.assertEqual(r.status, 409, r)
        r = self.sb.get("/v3/images/" + str(uuid.uuid4()), key=None)
        self.assertEqual((r.status, r.json()["message"]), (404, "Image not found"))
        r = self.sb.get("/v3/images/%s/enhanced" % img["image_id"], key=None)
        self.assertEqual((r.status, r.json()["message"]), (401, "Authentication error"))
        r = self.sb.post_json("/v3/images/", {"image_name": "x"}, key=None)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json()["detail"], "x-api-key header missing")
        r = self.sb.post_json("/v3/images", {"image_name": "x"})
        self.assertEqual(r.status, 404, r)
        self.assertIn("ends with a slash", r.json()["detail"])

    def test_orders(self):
        order_id = str(uuid.uuid4())
        r = self.sb.post_json("/v3/orders/", {"name": "kiosk", "order_id": order_id})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["status"], r.json()["total_images"]), ("waiting", 0))
        r = self.sb.post_json("/v3/orders/", {"order_id": order_id})
        self.assertEqual(r.status, 422, r)
        a = self.uploaded(order_id=order_id, image_name="one")
        b = self.create(order_id=order_id, image_name="two").json()
        self.assertEqual(b["order_id"], order_id)
        self.wait(a["image_id"])
        o = self.sb.get("/v3/orders/" + order_id).json()
        self.assertEqual((o["total_images"], o["status"]), (2, "waiting"))
        r = self.sb.get("/v3/orders/?per_page=1")
        page = r.json()
        self.assertEqual(len(page["orders"]), 1)
        self.assertIsNotNone(page["pagination"]["next_offset"])
        r = self.sb.get("/v3/orders/?per_page=1&offset=" + page["pagination"]["next_offset"])
        self.assertEqual(r.status, 200, r)

    def test_failing_image_and_redirect(self):
        bad = self.uploaded(image_name="fail-me")
        good = self.uploaded()
        done = self.wait(bad["image_id"])
        self.assertEqual((done["status"], done["error"], done["enhanced"]), ("error", True, False))
        self.assertIn("fail", done["status_reason"])
        self.assertEqual(self.sb.get("/v3/images/%s/enhanced" % bad["image_id"]).status, 409)
        self.wait(good["image_id"])
        self.sb.admin("/_admin/faults", {"redirect_enhanced": True})
        r = self.sb.get("/v3/images/%s/enhanced?preview=false" % good["image_id"])
        self.assertEqual(r.status, 302, r)
        self.assertIn("/cdn/results/", r.headers["location"])
        r = self.sb.curl(r.headers["location"], key=None)
        self.assertEqual(r.status, 200, r)
        self.assertJpegDiffers(r.body)
        r = self.sb.curl("/v3/images/%s/enhanced?preview=false" % good["image_id"], "-L")
        self.assertEqual((r.status, r.body[:3]), (200, b"\xff\xd8\xff"))
