# SPDX-License-Identifier: MIT
# Persistence: a sandbox killed with SIGKILL and started again on its --state carries on.
import os
import time
import unittest

from .harness import PHOTO, Sandbox


def _data(reply):
    body = reply.json()
    return body["data"] if "data" in body else body


class PersistenceTest(unittest.TestCase):
    def setUp(self):
        self.first = Sandbox(["--process-seconds", "1.5", "--quiet"]).start()
        self.addCleanup(self.first.cleanup)

    def _process(self, sb, order_id, asset_id):
        body = {"order_id": order_id, "tool": "tool-item-removal",
                "asset_map": {"tool-item-removal-input-image": asset_id}, "widgets": []}
        r = sb.post_json("/v3/process", body)
        self.assertEqual(r.status, 201, r)
        return _data(r)["process_ids"][0]

    def _poll_done(self, sb, pid):
        for _ in range(200):
            proc = _data(sb.get("/v3/process/" + pid))
            if proc["status"] in ("done", "failed"):
                return proc
            time.sleep(0.05)
        self.fail("process %s never finished" % pid)

    def _v1_and_autoenhance(self, sb):
        r = sb.curl("/v1/order/image", "-F", "service_name=service-item-removal",
                    "-F", "image=@%s;type=image/jpeg" % PHOTO)
        v1_id = r.json()["order_id"]
        self.assertEqual(sb.post_json("/v1/order", {"order_id": v1_id}).status, 200)
        img = sb.post_json("/v3/images/", {"image_name": "up", "content_type": "image/jpeg"})
        put = sb.curl(img.json()["upload_url"], "-T", PHOTO, "-H", "Content-Type: image/jpeg",
                      key=None)
        self.assertEqual(put.status, 200, put)
        return v1_id, img.json()["image_id"]

    def _check_v1_and_autoenhance(self, sb, v1_id, image_id):
        for _ in range(200):
            gen = sb.get("/v1/order/" + v1_id).json()["generated_images"][0]
            ae = sb.get("/v3/images/" + image_id).json()
            if gen["status"] != "processing" and ae["status"] != "processing":
                break
            time.sleep(0.05)
        self.assertEqual((gen["status"], ae["status"]), ("regular_finished", "processed"))
        self.assertTrue(gen["src"].startswith(sb.info["cdn_base_url"]))
        self.assertEqual(sb.curl(gen["src"], key=None).status, 200)
        full = sb.get("/v3/images/%s/enhanced?preview=false" % image_id)
        self.assertEqual((full.status, full.body[:3]), (200, b"\xff\xd8\xff"))

    def test_kill_9_then_restart_carries_on(self):
        sb = self.first
        # Given an order with one finished process and one still running
        r = sb.curl("/v3/order", "-F", "asset_role=primary_angle",
                    "-F", "asset_file=@%s;type=image/jpeg" % PHOTO)
        order = _data(r)
        order_id, asset_id = order["order_id"], order["assets"][0]["id"]
        done_pid = self._process(sb, order_id, asset_id)
        before = self._poll_done(sb, done_pid)["final_assets"][0]
        result_before = sb.curl(before["src"], key=None).body
        pid = self._process(sb, order_id, asset_id)
        self.assertEqual(_data(sb.get("/v3/process/" + pid))["status"], "pending")
        # and an Autoenhance image registered but not uploaded yet
        img = sb.post_json("/v3/images/", {"image_name": "lake", "content_type": "image/jpeg"})
        img = img.json()
        v1_id, enhanced_id = self._v1_and_autoenhance(sb)
        lines_before = len(sb.log_lines())
        # When the sandbox is killed and started again on the same state (other ports)
        sb.kill()
        with open(os.path.join(sb.state, "data", "journal.jsonl"), "ab") as f:
            f.write(b'{"t": "orders", "k": "6')  # a line cut short by a power cut
        with open(sb.info["log_file"], "ab") as f:
            f.write(b'{"ts": "2026-')  # and so is the request log's
        second = Sandbox(["--process-seconds", "1.5", "--quiet"], state=sb.state).start()
        self.addCleanup(second.cleanup)
        # Then the running process goes on to done, from its own timestamps
        proc = self._poll_done(second, pid)
        self.assertEqual(proc["status"], "done", proc)
        src = proc["final_assets"][0]["src"]
        self.assertTrue(src.startswith(second.info["cdn_base_url"]), src)
        got = second.curl(src, key=None)
        self.assertEqual((got.status, got.body[:3]), (200, b"\xff\xd8\xff"))
        # and results acknowledged before the crash resolve on the new CDN origin
        again = _data(second.get("/v3/process/" + done_pid))["final_assets"][0]
        self.assertEqual(again["asset_id"], before["asset_id"])
        self.assertEqual(second.curl(again["src"], key=None).body, result_before)
        self.assertEqual(second.curl(_data(second.get("/v3/order/" + order_id))
                                     ["entry_assets"][0]["src"], key=None).body,
                         open(PHOTO, "rb").read())
        # and the upload URL issued before the crash still verifies (same path, new origin)
        url = img["upload_url"].replace(sb.info["s3_base_url"], second.info["s3_base_url"])
        put = second.curl(url, "-T", PHOTO, "-H", "Content-Type: image/jpeg", key=None)
        self.assertEqual(put.status, 200, put)
        # and so do the v1 order and the uploaded Autoenhance image
        self._check_v1_and_autoenhance(second, v1_id, enhanced_id)
        # and the request log goes on in the same file
        self.assertEqual(second.info["log_file"], sb.info["log_file"])
        self.assertGreater(len(second.log_lines()), lines_before)  # every line parses
        self.assertEqual(second.admin("/_admin/state")["counts"]["aihd_processes"], 2)
