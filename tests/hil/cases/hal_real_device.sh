# SPDX-License-Identifier: MIT
# The hal unit tests' real-device test, which is skipped on machines without a camera, run here
# against vivid: the same GoogleTest binary as on the host, unchanged.
set -u
[ -n "${HAL_TEST:-}" ] || { echo "skipped: no hal_test binary given"; exit 77; }
out=$("$HAL_TEST" --gtest_filter='V4l2Camera.CapturesFromARealDevice' 2>&1)
rc=$?
echo "$out"
[ "$rc" -eq 0 ] || exit "$rc"
# A skip inside the VM means vivid is missing: that is a failure here, not a skip.
echo "$out" | grep -q '\[  PASSED  \] 1 test' || { echo "FAIL: the test did not run"; exit 1; }
