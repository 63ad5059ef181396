# SPDX-License-Identifier: MIT
# AI HomeDesign v1 flows: catalog, image upload, order submit, polling and download; v1 errors.
from .harness import PHOTO, SandboxTest

SERVICE = "service-ai-virtual-staging"


class AihdV1Test(SandboxTest):
    def upload(self, *extra, service=SERVICE):
        args = ["-F", "image=@%s;type=image/jpeg" % PHOTO] + list(extra)
        if service:
            args += ["-F", "service_name=" + service]
        return self.sb.curl("/v1/order/image", *args)

    def style_choice(self):
        r = self.sb.get("/v1/catalog/items/filter?space_name=space-bedroom&service_name=" + SERVICE)
        self.assertEqual(r.status, 200, r)
        widget = r.json()["data"][0]
        self.assertEqual(set(widget), {"id", "title", "description", "is_optional", "items",
                                       "priority", "type"})
        self.assertFalse(widget["is_optional"])
        return widget["id"], widget["items"][0]["id"]

    def test_catalog(self):
        r = self.sb.get("/v1/catalog/spaces?service_name=" + SERVICE)
        self.assertEqual(r.status, 200, r)
        spaces = {s["name"]: s for s in r.json()["data"]}
        self.assertIn("space-bedroom", spaces)
        self.assertEqual(set(spaces["space-bedroom"]), {"id", "name", "title", "description",
                                                        "prompt", "icon_src", "is_active",
                                                        "is_premium"})
        r = self.sb.get("/v1/catalog/items/filter?space_name=space-bedroom&service_name=service-x")
        self.assertEqual(r.status, 400, r)
        r = self.sb.get("/v1/catalog/spaces", key=None)
        self.assertEqual(r.status, 401, r)

    def test_flow(self):
        wid, item = self.style_choice()
        r = self.upload()
        self.assertEqual(r.status, 200, r)
        up = r.json()
        self.assertEqual(len(up["order_id"]), 24)
        self.assertEqual(len(up["image_id"]), 24)
        r = self.sb.post_json("/v1/order", {"order_id": up["order_id"],
                                            "space_name": "space-bedroom",
                                            "selected_widgets": [{"id": wid, "item_id": item}]})
        self.assertEqual(r.status, 200, r)
        sub = r.json()
        self.assertEqual(set(sub), {"order_id", "image_id", "eta"})
        self.assertIsInstance(sub["eta"], int)
        order = self.poll(lambda: self.sb.get("/v1/order/" + up["order_id"]).json(),
                          lambda o: o["generated_images"][0]["status"] != "processing")
        gen = order["generated_images"][0]
        self.assertEqual((gen["status"], gen["id"]), ("regular_finished", sub["image_id"]))
        self.assertEqual(order["status"], "idle")
        self.assertEqual(order["service_name"], SERVICE)
        img = self.sb.curl(gen["src"], key=None)
        self.assertEqual(img.status, 200, img)
        self.assertJpegDiffers(img.body)
        before = self.sb.curl(order["before_image_src"], key=None)
        self.assertEqual(before.body, open(PHOTO, "rb").read())

    def test_errors(self):
        r = self.sb.curl("/v1/order/image", "-F", "service_name=" + SERVICE)
        self.assertEqual((r.status, r.json()["error"]), (400, "http: no such file"))
        r = self.upload(service="service-teleport")
        self.assertEqual(r.status, 400, r)
        self.assertIn("service-teleport", r.json()["error"])
        order_id = self.upload().json()["order_id"]
        wid, item = self.style_choice()
        cases = [
            ({"space_name": "space-bedroom", "selected_widgets": []}, "required"),
            ({"space_name": "space-bedroom",
              "selected_widgets": [{"id": "x" * 24, "item_id": item}]}, "not a widget"),
            ({"space_name": "space-bedroom", "selected_widgets": [{"id": wid, "item_id": "y"}]},
             "not an item"),
            ({"space_name": "space-moon", "selected_widgets": [{"id": wid, "item_id": item}]},
             "space-moon"),
            ({"selected_widgets": [{"id": wid, "item_id": item}]}, "space_name is required"),
        ]
        for body, text in cases:
            with self.subTest(body=body):
                body["order_id"] = order_id
                r = self.sb.post_json("/v1/order", body)
                self.assertEqual(r.status, 400, r)
                self.assertIn(text, r.json()["error"])
                self.assertTrue(r.json()["key"].startswith("api_error_"))
        r = self.sb.post_json("/v1/order", {"order_id": "c" * 24})
        self.assertEqual((r.status, r.json()["key"]), (404, "api_error_order_not_found"))
