#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A peer client for bench/job_vs_clients.py: one AI HomeDesign v3 virtual-staging job written the
# way the vendors' shell examples are (one curl per call, jq to read the answers, sleep to poll).
# Usage: aihd_curl.sh BASE_URL CA_FILE PHOTO OUT [POLL_INTERVAL_S]   (key: $AIHD_API_KEY)
# TLS is verified against CA_FILE (never -k). Writes the first result (src, else temp_src) to OUT.
set -euo pipefail

if [ $# -lt 4 ]; then
  echo "usage: $0 BASE_URL CA_FILE PHOTO OUT [POLL_INTERVAL_S]" >&2
  exit 2
fi
api=${1%/}
ca=$2
photo=$3
out=$4
interval=${5:-5}
key=${AIHD_API_KEY:-sandbox-key}
space=widget-space-tool-virtual-staging
style=widget-style-tool-virtual-staging

call() {  # call METHOD PATH [curl args...]: the answer's data (or the bare body)
  local method=$1 path=$2
  shift 2
  curl -sS --fail-with-body --cacert "$ca" -X "$method" -H "x-api-key: $key" "$@" "$api$path" |
    jq -c 'if type == "object" and has("data") then .data else . end'
}

project_id=$(call POST /v3/project -H 'Content-Type: application/json' \
  -d '{"address": "benchmark"}' | jq -r .id)
order=$(call POST /v3/order -F asset_role=primary_angle -F "project_id=$project_id" \
  -F "asset_file=@$photo;type=image/jpeg")
order_id=$(jq -r .order_id <<<"$order")
asset_id=$(jq -r '.assets[0].id' <<<"$order")

body=$(jq -n --arg order "$order_id" --arg asset "$asset_id" --arg space "$space" \
  --arg style "$style" '{
    order_id: $order, tool: "tool-virtual-staging",
    asset_map: {"tool-virtual-staging-input-image": $asset},
    widgets: [{slug: $space, item_slugs: ["item-living-room-" + $space]},
              {slug: $style, item_slugs: ["item-modern-" + $style]}]}')
process_id=$(call POST /v3/process -H 'Content-Type: application/json' -d "$body" |
  jq -r '.process_ids[0]')

while :; do
  status=$(call GET "/v3/process/$process_id")
  case $(jq -r .status <<<"$status") in
    done) break ;;
    failed | error)
      echo "aihd_curl: process $process_id: $status" >&2
      exit 1
      ;;
  esac
  sleep "$interval"
done

# The result is on the CDN: no API key there.
url=$(jq -r '.final_assets[0] | .src // .temp_src' <<<"$status")
curl -sS --fail --cacert "$ca" -o "$out" "$url"
echo "$out"
