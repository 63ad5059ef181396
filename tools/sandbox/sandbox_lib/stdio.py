# SPDX-License-Identifier: MIT
# A stderr that never blocks the server when its reader is slow or gone.
import os
import stat
import sys


class _DroppingStderr:
    """stderr that never blocks: when a parent reads its pipe too slowly, lines are dropped
    instead of stalling request threads (the request log file is the record tests rely on)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        try:
            return self._stream.write(text)
        except (BlockingIOError, BrokenPipeError):
            return len(text)

    def flush(self):
        try:
            self._stream.flush()
        except (BlockingIOError, BrokenPipeError):
            pass

    def __getattr__(self, name):
        return getattr(self._stream, name)


def protect_stderr():
    try:
        if stat.S_ISFIFO(os.fstat(2).st_mode):
            os.set_blocking(2, False)
            sys.stderr = _DroppingStderr(sys.stderr)
    except (OSError, ValueError):
        pass
