# SPDX-License-Identifier: MIT
# Fidelity to what the vendors' own client code sends and reads (API.md 0.3): catalog, result URLs.
from .test_aihd_v3 import AihdV3Helpers


def _widget(tool, purpose, value):
    slug = "widget-%s-%s" % (purpose, tool)
    return {"slug": slug, "item_slugs": ["item-%s-%s" % (value, slug)]}


class FidelityTest(AihdV3Helpers):
    def test_material_and_space_widgets_are_optional(self):
        order_id, asset_id = self.new_order()
        for tool in ("tool-wall-change", "tool-floor-change", "tool-ceiling-change"):
            # Given no widgets at all (what the vendor's code sends), Then the API default applies
            r = self.process(order_id, asset_id, tool=tool, widgets=[])
            self.assertEqual(r.status, 201, (tool, r))
            # A space widget, when sent, is still checked
            r = self.process(order_id, asset_id, tool=tool,
                             widgets=[_widget(tool, "space", "kitchen")])
            self.assertEqual(r.status, 201, (tool, r))
            r = self.process(order_id, asset_id, tool=tool,
                             widgets=[_widget(tool, "space", "garage")])
            self.assertEqual((r.status, r.json()["key"]), (422, "api_error_invalid_item"), tool)
            # And so is a material widget
            r = self.process(order_id, asset_id, tool=tool,
                             widgets=[_widget(tool, "material", "gold-leaf")])
            self.assertEqual((r.status, r.json()["key"]), (422, "api_error_invalid_item"), tool)
        tool = "tool-backsplash-change"
        r = self.process(order_id, asset_id, tool=tool, widgets=[])
        self.assertEqual((r.status, r.json()["key"]), (422, "api_error_invalid_widget"), r)
        r = self.process(order_id, asset_id, tool=tool, widgets=[_widget(tool, "space", "kitchen")])
        self.assertEqual(r.status, 201, r)

    def test_furniture_restyle_is_not_a_tool(self):
        tools = {t["slug"] for t in self.sb.curl("/api/tools", key=None).json()["data"]}
        self.assertNotIn("tool-furniture-restyle", tools)
        order_id, asset_id = self.new_order()
        r = self.process(order_id, asset_id, tool="tool-furniture-restyle")
        self.assertEqual(r.status, 500, r)
        self.assertEqual(r.json()["error"], "tool repository: tool not found")
        self.assertIn("not a tool", r.headers["x-sandbox-detail"])
        active = [t for t in self.sb.curl("/api/tools", key=None).json()["data"] if t["isActive"]]
        self.assertEqual(len(active), 13)

    def _finals(self, count):
        order_id, asset_id = self.new_order()
        pids = [self.data(self.process(order_id, asset_id))["process_ids"][0]
                for _ in range(count)]
        return [self.poll(lambda: self.data(self.sb.get("/v3/process/" + pid)),
                          lambda p: p["status"] == "done")["final_assets"][0] for pid in pids]

    def test_result_urls_switch(self):
        plain = {"asset_id", "asset_type", "src", "thumbnail_src"}
        temp = {"asset_id", "asset_type", "temp_src", "temp_thumbnail_src"}
        self.assertEqual(set(self._finals(1)[0]), plain)  # default: src
        # Given temp: only the temp_ fields, as in the documented webhook
        self.sb.admin("/_admin/faults", {"result_urls": "temp"})
        final = self._finals(1)[0]
        self.assertEqual(set(final), temp)
        self.assertEqual(self.sb.curl(final["temp_src"], key=None).status, 200)
        self.assertEqual(self.sb.curl(final["temp_thumbnail_src"], key=None).status, 200)
        # Given mixed: consecutive processes alternate between the two forms
        self.sb.admin("/_admin/faults", {"result_urls": "mixed"})
        forms = [frozenset(f) for f in self._finals(2)]
        self.assertEqual(set(forms), {frozenset(plain), frozenset(temp)})
        bad = self.sb.curl("/_admin/faults", "--data-binary", '{"result_urls": "both"}', key=None)
        self.assertEqual(bad.status, 400)
