#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs in the guest: each case given, one after another, each bounded by its own timeout (a
# "# hil-timeout: S" line in the case, default 60 s). Writes $HIL_RESULTS/NAME.log (output) and
# NAME.rc (exit code: 0 passed, 77 skipped, else failed). Cases get SNAPSTAGE (the binary, may be
# empty), HIL_SRC (the source tree, also the working folder) and HIL_TMP (a scratch folder).
set -u
for c in "$@"; do
    name=$(basename "$c")
    name=${name%.*}
    limit=$(sed -n 's/^# hil-timeout: *\([0-9]*\).*/\1/p' "$c" | head -n1)
    tmp=$(mktemp -d /tmp/hil-case.XXXXXX)
    case "$c" in *.py) runner=python3 ;; *) runner=bash ;; esac
    start=$(date +%s%N)
    HIL_TMP=$tmp timeout -k 3 "${limit:-60}" "$runner" "$c" >"$HIL_RESULTS/$name.log" 2>&1 </dev/null
    rc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    [ "$rc" -eq 124 ] && echo "hil: $name: timed out after ${limit:-60} s" >>"$HIL_RESULTS/$name.log"
    echo "hil: $name: exit $rc in $ms ms" | tee -a "$HIL_RESULTS/$name.log"
    echo "$rc" >"$HIL_RESULTS/$name.rc"
    rm -rf "$tmp"
done
