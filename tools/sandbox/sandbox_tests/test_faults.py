# SPDX-License-Identifier: MIT
# Fault switches: 429, injected 5xx, reset mid-upload, stalls, failed/slow processing, admin API.
import time

from .harness import PHOTO, jpeg_with_comment
from .test_aihd_v3 import AihdV3Helpers
from .test_autoenhance import AutoenhanceHelpers


def upload_args(path=PHOTO):
    return ["-F", "asset_file=@%s;type=image/jpeg" % path, "-F", "asset_role=primary_angle"]


class FaultsTest(AihdV3Helpers, AutoenhanceHelpers):
    def orders_count(self):
        return self.sb.admin("/_admin/state")["counts"]["aihd_orders"]

    def wait_process(self, pid):
        return self.poll(lambda: self.data(self.sb.get("/v3/process/" + pid)),
                         lambda p: p["status"] in ("done", "failed"))

    def test_rate_limit_default(self):
        state = self.sb.admin("/_admin/state")
        self.assertEqual(state["faults"]["rate_limit"], {"count": 10, "window_seconds": 600})
        for i in range(10):
            self.assertEqual(self.sb.curl("/v3/order", *upload_args()).status, 201, i)
        r = self.sb.curl("/v3/order", *upload_args())
        self.assertEqual(r.status, 429, r)
        self.assertEqual(r.json(), {
            "error": "rate-limit exceeded, 10 generates per 10 minutes only",
            "key": "api_error_rate_limit_exceeded"})
        self.assertGreaterEqual(int(r.headers["retry-after"]), 590)
        r = self.create()
        self.assertEqual(r.status, 429, r)
        self.assertEqual(set(r.json()), {"message", "detail"})
        self.assertIn("retry-after", r.headers)
        line = self.sb.log_lines()[-1]
        self.assertEqual((line["status"], line["fault"]), (429, "rate_limit"))
        self.sb.admin("/_admin/reset")
        self.assertEqual(self.sb.curl("/v3/order", *upload_args()).status, 201)

    def test_rate_limit_window(self):
        self.sb.admin("/_admin/faults", {"rate_limit": {"count": 2, "window_seconds": 2}})
        first = time.monotonic()
        self.assertEqual(self.sb.curl("/v3/order", *upload_args()).status, 201)
        r = self.sb.curl("/v1/order/image", "-F", "image=@%s;type=image/jpeg" % PHOTO,
                         "-F", "service_name=service-item-removal")
        self.assertEqual(r.status, 200, r)
        r = self.sb.curl("/v3/order", *upload_args())
        self.assertEqual(r.status, 429, r)
        self.assertIn(r.headers["retry-after"], ("1", "2"))
        self.assertIn("2 generates per 2 seconds", r.json()["error"])
        time.sleep(max(0.0, first + 2.1 - time.monotonic()))
        self.assertEqual(self.sb.curl("/v3/order", *upload_args()).status, 201)
        self.sb.admin("/_admin/faults", {"rate_limit": None})
        self.assertIsNone(self.sb.admin("/_admin/faults", {})["rate_limit"])

    def test_fail_next_before_and_after(self):
        before = self.orders_count()
        self.sb.admin("/_admin/faults", {"fail_next": [
            {"path": "/v3/order", "method": "POST", "status": 503, "count": 2, "retry_after": 3}]})
        mark = self.sb.mark()
        for _ in range(2):
            r = self.sb.curl("/v3/order", *upload_args())
            self.assertEqual((r.status, r.headers["retry-after"]), (503, "3"))
            self.assertEqual(r.json()["key"], "api_error_internal")
        self.assertEqual(self.sb.curl("/v3/order", *upload_args()).status, 201)
        self.assertEqual(self.orders_count(), before + 1)
        lines = [l for l in self.sb.logged_since(mark) if l["path"] == "/v3/order"]
        self.assertEqual([(l["status"], l.get("fault")) for l in lines],
                         [(503, "fail_next"), (503, "fail_next"), (201, None)])
        self.assertEqual(sum(1 for l in lines if l.get("order_id")), 1)
        self.sb.admin("/_admin/faults", {"status_5xx": {"path": "/v3/order", "method": "POST",
                                                        "status": 500, "when": "after"}})
        r = self.sb.curl("/v3/order", *upload_args())
        self.assertEqual(r.status, 500, r)
        self.assertEqual(self.orders_count(), before + 2)
        self.sb.admin("/_admin/faults", {"fail_next": [{"path": "/v3/images/*", "method": "GET",
                                                        "status": 502}]})
        r = self.sb.get("/v3/images/whatever")
        self.assertEqual((r.status, r.json()["message"]), (502, "Internal Server Error"))

    def test_reset_mid_upload(self):
        before = self.orders_count()
        self.sb.admin("/_admin/faults", {"reset_upload": 1})
        mark = self.sb.mark()
        r = self.sb.curl("/v3/order", *upload_args())
        self.assertEqual(r.status, 0, r)
        self.assertIn(r.exit_code, (52, 55, 56), r.stderr)
        self.assertEqual(self.orders_count(), before)
        line = [l for l in self.sb.logged_since(mark) if l["path"] == "/v3/order"][0]
        self.assertEqual((line["status"], line["fault"]), (0, "reset_upload"))
        self.assertLess(line["bytes_in"], 40000)
        self.assertEqual(self.sb.curl("/v3/order", *upload_args()).status, 201)
        img = self.create().json()
        self.sb.admin("/_admin/faults", {"reset_upload": {"count": 1, "path": "/s3/*"}})
        r = self.put(img["upload_url"])
        self.assertIn(r.exit_code, (52, 55, 56), r.stderr)
        self.assertIn(r.status, (0, 100), r)
        self.assertEqual(self.put(img["upload_url"]).status, 200)

    def test_stalls(self):
        oid, aid = self.new_order()
        pid = self.data(self.process(oid, aid))["process_ids"][0]
        self.sb.admin("/_admin/faults", {"stall": [{"path": "/v3/process/*", "seconds": 3}]})
        start = time.monotonic()
        r = self.sb.curl("/v3/process/" + pid, max_time=1)
        self.assertEqual((r.exit_code, r.status), (28, 0), r)
        self.assertLess(time.monotonic() - start, 2.5)
        self.assertEqual(self.sb.get("/v3/process/" + pid).status, 200)
        src = self.wait_process(pid)["final_assets"][0]["src"]
        self.sb.admin("/_admin/faults",
                      {"stall": {"path": "/cdn/*", "seconds": 3, "mode": "mid_body"}})
        r = self.sb.curl(src, max_time=1, key=None)
        self.assertEqual(r.exit_code, 28, r)
        self.assertEqual(self.sb.curl(src, key=None).status, 200)

    def test_failed_processes(self):
        oid, aid = self.new_order()
        self.sb.admin("/_admin/faults", {"fail_processes": 1})
        first = self.data(self.process(oid, aid))["process_ids"][0]
        second = self.data(self.process(oid, aid))["process_ids"][0]
        p = self.wait_process(first)
        self.assertEqual((p["status"], p["final_assets"]), ("failed", []))
        self.assertEqual(self.wait_process(second)["status"], "done")
        magic = self.sb.file("comment.jpg", jpeg_with_comment("please fail this one"))
        r = self.sb.curl("/v3/order", *upload_args(magic))
        d = self.data(r)
        pid = self.data(self.process(d["order_id"], d["assets"][0]["id"]))["process_ids"][0]
        self.assertEqual(self.wait_process(pid)["status"], "failed")
        self.sb.admin("/_admin/faults", {"fail_processes": True})
        img = self.uploaded()
        self.assertEqual(self.wait(img["image_id"])["status"], "error")

    def test_slow_processing(self):
        self.sb.admin("/_admin/faults", {"process_seconds": 1.5})
        oid, aid = self.new_order()
        pid = self.data(self.process(oid, aid))["process_ids"][0]
        time.sleep(0.6)
        self.assertEqual(self.data(self.sb.get("/v3/process/" + pid))["status"], "processing")
        self.assertEqual(self.data(self.sb.get("/v3/order/" + oid))["status"], "processing")
        start = time.monotonic()
        self.assertEqual(self.wait_process(pid)["status"], "done")
        self.assertGreater(time.monotonic() - start, 0.5)

    def test_admin_api(self):
        r = self.sb.curl("/_admin/faults", "--data-binary", '{"bogus": 1}', key=None)
        self.assertEqual(r.status, 400, r)
        self.assertIn("unknown switch", r.json()["error"])
        r = self.sb.curl("/_admin/faults", "--data-binary", '{"stall": [{"path": "x"}]}', key=None)
        self.assertEqual(r.status, 400, r)
        faults = self.sb.admin("/_admin/faults", {"bare": True, "process_seconds": 0.1})
        self.assertTrue(faults["bare"])
        reset = self.sb.admin("/_admin/reset", {"clear_data": True})
        self.assertFalse(reset["faults"]["bare"])
        self.assertTrue(reset["cleared_data"])
        state = self.sb.admin("/_admin/state")
        self.assertEqual(state["counts"]["aihd_orders"], 0)
        self.assertEqual(set(state), {"aihomedesign", "autoenhance", "counts", "faults",
                                      "requests_logged", "log_file", "base_url"})
        line = self.sb.log_lines()[-1]
        self.assertEqual((line["vendor"], line["path"]), ("admin", "/_admin/state"))
