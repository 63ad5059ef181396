# SPDX-License-Identifier: MIT
# AI HomeDesign v3 flows: project, order upload, process, poll, download; roles and catalog checks.
from .harness import PHOTO, SandboxTest, decode_ppm, mask_png

STAGING_WIDGETS = [
    {"slug": "widget-space-tool-virtual-staging",
     "item_slugs": ["item-bedroom-widget-space-tool-virtual-staging"]},
    {"slug": "widget-style-tool-virtual-staging",
     "item_slugs": ["item-modern-widget-style-tool-virtual-staging"]},
]


class AihdV3Helpers(SandboxTest):
    def data(self, reply):
        body = reply.json()
        if "data" in body:
            self.assertEqual(body.get("message"), "ok")
            return body["data"]
        return body

    def order(self, *files, extra=()):
        args = []
        for path, role in files:
            args += ["-F", "asset_file=@%s;type=%s" % (path, "image/png" if path.endswith(".png")
                                                        else "image/jpeg"),
                     "-F", "asset_role=" + role]
        return self.sb.curl("/v3/order", *(list(extra) + args))

    def new_order(self):
        r = self.order((PHOTO, "primary_angle"))
        self.assertEqual(r.status, 201, r)
        d = self.data(r)
        return d["order_id"], d["assets"][0]["id"]

    def process(self, order_id, asset_id, tool="tool-virtual-staging", widgets=None, amap=None):
        body = {"order_id": order_id, "tool": tool,
                "asset_map": amap or {tool + "-input-image": asset_id},
                "widgets": STAGING_WIDGETS if widgets is None else widgets}
        return self.sb.post_json("/v3/process", body)


class AihdV3Test(AihdV3Helpers):
    def test_tool_list_is_public(self):
        r = self.sb.curl("/api/tools", key=None)
        self.assertEqual(r.status, 200, r)
        tools = {t["slug"]: t for t in r.json()["data"]}
        self.assertTrue(tools["tool-virtual-staging"]["isActive"])
        self.assertFalse(tools["tool-sky-change"]["isActive"])
        self.assertEqual(set(tools["tool-darkness"]), {"id", "name", "slug", "isActive"})

    def test_full_flow_wrapped(self):
        # long enough that the first poll surely sees "pending" (the first quarter) on a busy host
        self.sb.admin("/_admin/faults", {"process_seconds": 1.2})
        mark = self.sb.mark()
        r = self.sb.post_json("/v3/project", {"address": "1 Lake Road"})
        self.assertEqual(r.status, 201, r)
        project = self.data(r)
        self.assertEqual(project["address"], "1 Lake Road")
        r = self.order((PHOTO, "primary_angle"), extra=["-F", "project_id=" + project["id"]])
        self.assertEqual(r.status, 201, r)
        order = self.data(r)
        asset = order["assets"][0]
        self.assertEqual(len(order["order_id"]), 24)
        self.assertEqual((asset["asset_type"], asset["asset_role"]), ("image", "primary_angle"))
        self.assertEqual(self.sb.curl(asset["src"], key=None).body, open(PHOTO, "rb").read())
        r = self.process(order["order_id"], asset["id"])
        self.assertEqual(r.status, 201, r)
        pid = self.data(r)["process_ids"][0]
        first = self.data(self.sb.get("/v3/process/" + pid))
        self.assertEqual(first["status"], "pending")
        self.assertEqual(first["final_assets"], [])
        seen = set()
        done = self.poll(lambda: self.data(self.sb.get("/v3/process/" + pid)),
                         lambda p: seen.add(p["status"]) or p["status"] in ("done", "failed"))
        self.assertEqual(done["status"], "done", done)
        self.assertIn("processing", seen)
        fa = done["final_assets"][0]
        self.assertEqual(fa["asset_type"], "image")
        img = self.sb.curl(fa["src"], key=None)
        self.assertEqual((img.status, img.headers["content-type"]), (200, "image/jpeg"))
        self.assertJpegDiffers(img.body)
        thumb = self.sb.curl(fa["thumbnail_src"], key=None)
        self.assertLessEqual(max(decode_ppm(thumb.body)[:2]), 320)
        o = self.data(self.sb.get("/v3/order/%s?width=320&height=320" % order["order_id"]))
        self.assertEqual((o["id"], o["project_id"], o["status"]),
                         (order["order_id"], project["id"], "idle"))
        self.assertEqual(o["entry_assets"][0]["id"], asset["id"])
        self.assertEqual(o["processes"][0]["status"], "done")
        small = self.sb.curl(o["processes"][0]["final_assets"][0]["src"], key=None)
        self.assertEqual(decode_ppm(small.body)[:2], (320, 200))
        lines = self.sb.logged_since(mark)
        created = [l for l in lines if l["method"] == "POST" and l["path"] == "/v3/order"]
        self.assertEqual(len(created), 1)
        self.assertEqual((created[0]["status"], created[0]["order_id"]), (201, order["order_id"]))
        self.assertEqual(created[0]["vendor"], "aihomedesign")
        polls = [l for l in lines if l["path"] == "/v3/process/" + pid]
        self.assertTrue(all(l["process_id"] == pid for l in polls))
        self.assertTrue(any(l["vendor"] == "cdn" and l["status"] == 200 for l in lines))

    def test_bare_switch(self):
        self.sb.admin("/_admin/faults", {"bare": True})
        r = self.order((PHOTO, "primary_angle"))
        self.assertEqual(r.status, 201, r)
        body = r.json()
        self.assertNotIn("data", body)
        r = self.process(body["order_id"], body["assets"][0]["id"])
        self.assertEqual(list(r.json()), ["process_ids"])
        p = self.sb.get("/v3/process/" + r.json()["process_ids"][0]).json()
        self.assertEqual(p["order_id"], body["order_id"])
        self.sb.admin("/_admin/faults", {"bare": False})
        self.assertIn("data", self.sb.get("/v3/order/" + body["order_id"]).json())

    def test_roles(self):
        r = self.sb.curl("/v3/order", "-F", "asset_file=@%s;type=image/jpeg" % PHOTO,
                         "-F", "asset_file=@%s;type=image/jpeg" % PHOTO,
                         "-F", "asset_roles=primary_angle", "-F", "asset_roles=secondary_angle")
        self.assertEqual(r.status, 201, r)
        self.assertEqual([a["asset_role"] for a in self.data(r)["assets"]],
                         ["primary_angle", "secondary_angle"])
        r = self.order((PHOTO, "primary_angle"), (PHOTO, "primary_angle"))
        self.assertEqual(r.status, 400, r)
        self.assertIn("at most one primary_angle", r.json()["error"])
        r = self.order((PHOTO, "front_angle"))
        self.assertEqual((r.status, r.json()["key"]), (400, "api_error_invalid_asset_role"))
        self.assertIn("front_angle", r.json()["error"])
        r = self.sb.curl("/v3/order", "-F", "asset_file=@%s;type=image/jpeg" % PHOTO,
                         "-F", "asset_role=primary_angle", "-F", "asset_roles=primary_angle")
        self.assertEqual(r.status, 400, r)
        r = self.sb.curl("/v3/order", "-F", "asset_file=@%s;type=image/jpeg" % PHOTO,
                         "-F", "asset_file=@%s;type=image/jpeg" % PHOTO,
                         "-F", "asset_role=primary_angle")
        self.assertEqual(r.status, 400, r)
        self.assertIn("2 asset_file part(s) but 1 asset_role", r.json()["error"])
        r = self.sb.curl("/v3/order", "-F", "asset_file=@%s;type=image/jpeg" % PHOTO)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.data(r)["assets"][0]["asset_role"], "primary_angle")
        r = self.sb.curl("/v3/order", "-F", "asset_role=primary_angle")
        self.assertEqual(r.status, 400, r)
        self.assertIn("no asset_file part", r.json()["error"])

    def test_process_validation(self):
        oid, aid = self.new_order()
        color = {"slug": "widget-color-tool-virtual-staging", "item_slugs": ["x"]}
        gothic = {"slug": "widget-style-tool-virtual-staging",
                  "item_slugs": ["item-gothic-widget-style-tool-virtual-staging"]}
        cases = [
            (dict(amap={"tool-virtual-staging-image": aid}), 422, "api_error_invalid_slot"),
            (dict(widgets=STAGING_WIDGETS[:1]), 422, "api_error_invalid_widget"),
            (dict(widgets=STAGING_WIDGETS + [color]), 422, "api_error_invalid_widget"),
            (dict(widgets=[STAGING_WIDGETS[0], gothic]), 422, "api_error_invalid_item"),
            (dict(amap={"tool-virtual-staging-input-image": "0" * 24}), 404,
             "api_error_asset_not_found"),
            (dict(tool="tool-sky-change", widgets=[]), 500, "api_error_internal"),
            (dict(tool="tool-teleport", widgets=[]), 500, "api_error_internal"),
        ]
        for kw, status, key in cases:
            with self.subTest(kw=kw):
                tool = kw.pop("tool", "tool-virtual-staging")
                r = self.process(oid, aid, tool=tool, **kw)
                self.assertEqual((r.status, r.json()["key"]), (status, key), r)
                self.assertTrue(r.json()["error"])
        r = self.process(oid, aid, tool="tool-sky-change", widgets=[])
        self.assertEqual(r.json()["error"], "tool repository: tool not found")
        r = self.process("f" * 24, aid)
        self.assertEqual((r.status, r.json()["key"]), (404, "api_error_order_not_found"))
        r = self.process(oid, aid, tool="tool-item-removal", widgets=[])
        self.assertEqual(r.status, 201, r)
        self.assertIn("process_group_id", self.data(r))

    def test_mask_append_and_two_slot_tools(self):
        oid, aid = self.new_order()
        mask = self.sb.file("mask.png", mask_png(640, 400))
        r = self.sb.curl("/v3/order/%s/append" % oid, "-F", "asset_file=@%s;type=image/png" % mask,
                         "-F", "asset_role=mask", "-F", "asset_type=mask")
        self.assertEqual(r.status, 201, r)
        mask_id = self.data(r)["assets"][0]["id"]
        small = self.sb.file("small.png", mask_png(64, 40))
        r = self.sb.curl("/v3/order/%s/append" % oid, "-F", "asset_file=@%s;type=image/png" % small,
                         "-F", "asset_role=mask", "-F", "asset_type=mask")
        self.assertEqual(r.status, 400, r)
        tool = "tool-item-removal-mask"
        wrong = {tool + "-input-image": aid, tool + "-input-mask": aid}
        r = self.process(oid, aid, tool=tool, widgets=[], amap=wrong)
        self.assertEqual((r.status, r.json()["key"]), (422, "api_error_invalid_asset"), r)
        good = {tool + "-input-image": aid, tool + "-input-mask": mask_id}
        r = self.process(oid, aid, tool=tool, widgets=[], amap=good)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(len(self.data(r)["process_group_id"]), 24)
        o = self.data(self.sb.get("/v3/order/" + oid))
        self.assertEqual([a["asset_role"] for a in o["entry_assets"]], ["primary_angle", "mask"])
        self.assertEqual(o["status"], "processing")
        r = self.process(oid, aid, tool="tool-darkness",
                         widgets=[{"slug": "widget-darkness-factor-tool-darkness",
                                   "item_slugs": ["item-factor-lighter-widget-darkness-factor-"
                                                  "tool-darkness"]}],
                         amap={"tool-darkness-input-image-before": aid,
                               "tool-darkness-input-image-after": aid})
        self.assertEqual(r.status, 201, r)

    def test_ids_and_not_found(self):
        r = self.sb.get("/v3/order/" + "a" * 24)
        self.assertEqual((r.status, r.json()), (404, {"error": "order not found",
                                                     "key": "api_error_order_not_found"}))
        r = self.sb.get("/v3/order/not-an-id")
        self.assertEqual(r.status, 400, r)
        r = self.sb.get("/v3/process/" + "b" * 24)
        self.assertEqual((r.status, r.json()["key"]), (404, "api_error_process_not_found"))
        r = self.sb.get("/v3/project?page=1&limit=1")
        self.assertEqual(r.status, 200, r)
        self.assertIn("pagination", r.json())

    def test_project_orders_listing(self):
        r = self.sb.post_json("/v3/project", {"address": "2 Lake Road"})
        pid = self.data(r)["id"]
        r = self.sb.get("/v3/project/%s/orders" % pid)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["data"], [])
        self.assertEqual(r.json()["pagination"]["total"], 0)
        ids = []
        for _ in range(3):
            r = self.order((PHOTO, "primary_angle"), extra=["-F", "project_id=" + pid])
            self.assertEqual(r.status, 201, r)
            ids.append(self.data(r)["order_id"])
        self.new_order()  # in the default project: not listed
        oid, aid = ids[-1], self.data(self.sb.get("/v3/order/" + ids[-1]))["entry_assets"][0]["id"]
        self.assertEqual(self.process(oid, aid).status, 201)
        r = self.sb.get("/v3/project/%s/orders?page=1&limit=30" % pid)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["message"], "ok")
        self.assertEqual([o["id"] for o in body["data"]], ids[::-1])  # newest first
        self.assertEqual(body["pagination"],
                         {"page": 1, "limit": 30, "total": 3, "total_pages": 1})
        # each order as GET /v3/order/:id shows it
        self.assertEqual(body["data"][0], self.data(self.sb.get("/v3/order/" + oid)))
        self.assertEqual(len(body["data"][0]["processes"]), 1)
        r = self.sb.get("/v3/project/%s/orders?page=2&limit=2" % pid)
        self.assertEqual([o["id"] for o in r.json()["data"]], ids[:1])
        self.assertEqual(r.json()["pagination"]["total_pages"], 2)
        self.sb.admin("/_admin/faults", {"bare": True})
        r = self.sb.get("/v3/project/%s/orders?limit=1" % pid)
        self.assertEqual([o["id"] for o in r.json()], ids[-1:])
        self.sb.admin("/_admin/faults", {"bare": False})
        for query, status in (("?limit=31", 400), ("?limit=0", 400), ("?page=0", 400)):
            self.assertEqual(self.sb.get("/v3/project/%s/orders%s" % (pid, query)).status, status)
        r = self.sb.get("/v3/project/%s/orders" % ("c" * 24))
        self.assertEqual((r.status, r.json()["key"]), (404, "api_error_project_not_found"))
        r = self.sb.get("/v3/project/%s/orders" % pid, key="another-key")
        self.assertEqual(r.status, 401, r)
        lines = [l for l in self.sb.log_lines() if l["path"] == "/v3/project/%s/orders" % pid]
        self.assertTrue(all(l["project_id"] == pid for l in lines if l["status"] == 200))
