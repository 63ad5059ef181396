#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A peer client for bench/job_vs_clients.py: one AI HomeDesign v3 virtual-staging job written the
# way the vendors' Python examples are (requests, one call per step, plain polling).
"""Create a project, order the photo, start virtual staging, poll the process until done, then
download the first result (src, else temp_src) into OUT. TLS is verified against --ca."""
import argparse
import os
import sys
import time

import requests

SPACE = "widget-space-tool-virtual-staging"
STYLE = "widget-style-tool-virtual-staging"


def data(response):
    response.raise_for_status()
    body = response.json()
    return body["data"] if isinstance(body, dict) and "data" in body else body


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base-url", required=True)
    p.add_argument("--ca", required=True, help="CA bundle the servers are verified against")
    p.add_argument("--api-key", default=os.environ.get("AIHD_API_KEY", "sandbox-key"))
    p.add_argument("--poll-interval", type=float, default=5.0, help="seconds between polls")
    p.add_argument("--timeout", type=float, default=300.0)
    p.add_argument("photo")
    p.add_argument("out")
    args = p.parse_args()
    api = args.base_url.rstrip("/")
    headers = {"x-api-key": args.api_key}

    project = data(requests.post(api + "/v3/project", headers=headers, verify=args.ca,
                                 json={"address": "benchmark"}))
    with open(args.photo, "rb") as photo:
        files = {"asset_file": (os.path.basename(args.photo), photo, "image/jpeg")}
        form = {"asset_role": "primary_angle", "project_id": project["id"]}
        order = data(requests.post(api + "/v3/order", headers=headers, verify=args.ca,
                                   data=form, files=files))
    process = data(requests.post(api + "/v3/process", headers=headers, verify=args.ca, json={
        "order_id": order["order_id"],
        "tool": "tool-virtual-staging",
        "asset_map": {"tool-virtual-staging-input-image": order["assets"][0]["id"]},
        "widgets": [
            {"slug": SPACE, "item_slugs": ["item-living-room-" + SPACE]},
            {"slug": STYLE, "item_slugs": ["item-modern-" + STYLE]},
        ],
    }))
    process_id = process["process_ids"][0]

    deadline = time.monotonic() + args.timeout
    while True:
        status = data(requests.get(api + "/v3/process/" + process_id, headers=headers,
                                   verify=args.ca))
        if status["status"] == "done":
            break
        if status["status"] in ("failed", "error") or time.monotonic() > deadline:
            sys.exit("aihd_requests: process %s: %s" % (process_id, status))
        time.sleep(args.poll_interval)

    asset = status["final_assets"][0]
    url = asset.get("src") or asset["temp_src"]
    # The result is on the CDN: no API key there.
    with requests.get(url, verify=args.ca, stream=True) as result:
        result.raise_for_status()
        with open(args.out, "wb") as out:
            for chunk in result.iter_content(chunk_size=65536):
                out.write(chunk)
    print(args.out)


if __name__ == "__main__":
    main()
