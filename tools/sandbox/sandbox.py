#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Entry point of the snapstage sandbox, a local HTTPS emulator of AI HomeDesign and Autoenhance.
import os
import sys

if sys.version_info < (3, 9):
    sys.exit("sandbox.py needs Python 3.9 or newer")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox_lib.server import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
