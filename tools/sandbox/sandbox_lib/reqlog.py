# SPDX-License-Identifier: MIT
# The request log: one JSON object per request, appended and fsync'd at once (tests read it).
import json
import os
import sys
import threading

ID_FIELDS = ("order_id", "process_id", "image_id", "project_id", "asset_id")


def _cut_torn_tail(path):
    """Drop a last line a power cut left unfinished (its request was never answered), so that
    the lines appended from now on stay one JSON object each."""
    try:
        with open(path, "rb+") as f:
            size = f.seek(0, os.SEEK_END)
            if size == 0:
                return
            f.seek(max(0, size - 65536))
            tail = f.read()
            if tail.endswith(b"\n"):
                return
            cut = tail.rfind(b"\n")
            if cut < 0 and size > len(tail):
                f.write(b"\n")  # a line longer than the window: end it where it stopped
            else:
                f.truncate(size - len(tail) + cut + 1)
            os.fsync(f.fileno())
            sys.stderr.write("sandbox: request log ended in a cut-short line; removed it\n")
    except FileNotFoundError:
        pass


class RequestLog:
    def __init__(self, path, echo=True):
        self.path = path
        _cut_torn_tail(path)
        self._lock = threading.Lock()
        self._file = open(path, "a", encoding="utf-8")
        self._echo = echo
        self.count = 0

    def write(self, entry):
        line = json.dumps(entry, sort_keys=False, default=str)
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()
            os.fsync(self._file.fileno())  # the log is evidence: it must survive a power cut
            self.count += 1
        if self._echo:
            extra = " fault=%s" % entry["fault"] if entry.get("fault") else ""
            err = " error=%s" % entry["error"] if entry.get("error") else ""
            sys.stderr.write("sandbox: %s %s -> %s%s%s\n" % (
                entry.get("method"), entry.get("path"), entry.get("status"), extra, err[:200]))

    def close(self):
        with self._lock:
            self._file.close()
