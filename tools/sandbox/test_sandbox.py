#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Runs the sandbox's own tests (sandbox_tests/) and prints "N passed, N failed"; exit 1 on failure.
import argparse
import os
import shutil
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

MODULES = ["test_aihd_v3", "test_aihd_v1", "test_autoenhance", "test_strict", "test_faults",
           "test_lifecycle", "test_fidelity", "test_origins", "test_persistence"]


def main():
    p = argparse.ArgumentParser(description="Tests of the snapstage sandbox (curl over TLS).")
    p.add_argument("-k", dest="patterns", action="append", default=[],
                   help="only run tests whose name contains this substring (repeatable)")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args()
    missing = [t for t in ("curl", "openssl", "djpeg", "cjpeg") if not shutil.which(t)]
    if missing:
        print("missing tools: %s" % ", ".join(missing))
        print("0 passed, 1 failed")
        return 1
    from sandbox_tests import harness
    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = ["*%s*" % pat for pat in args.patterns]
    suite = loader.loadTestsFromNames(["sandbox_tests." + m for m in MODULES])
    start = time.monotonic()
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2 if args.verbose else 1)
    result = runner.run(suite)
    harness.stop_shared()
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    print("%.1f s" % (time.monotonic() - start))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
