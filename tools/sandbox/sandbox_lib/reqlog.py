# SPDX-License-Identifier: MIT
# The request log: one JSON object per request, appended and fsync'd at once (tests read it).
import json
import os
import sys
import threading

ID_FIELDS = ("order_id", "process_id", "image_id", "project_id", "asset_id")


class RequestLog:
    def __init__(self, path, echo=True):
        self.path = path
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
