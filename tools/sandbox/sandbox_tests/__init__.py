# SPDX-License-Identifier: MIT
# Tests of the sandbox, driven over TLS with curl and raw sockets (run by ../test_sandbox.py).
