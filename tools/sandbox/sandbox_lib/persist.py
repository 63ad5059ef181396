# SPDX-License-Identifier: MIT
# Durable state in --state: an fsync'd append-only journal of objects, and content-addressed files.
import errno
import hashlib
import json
import os
import secrets
import sys
import threading

JOURNAL = "journal.jsonl"


def fsync_dir(path):
    """Make a rename or a new file in path durable. Some file systems (9p shares, for one) refuse
    fsync on a folder; their own semantics then apply."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EISDIR):
            raise
    finally:
        os.close(fd)


def write_atomic(path, data, mode=0o644):
    """Write data to path durably: temp file, fsync, rename, fsync of the folder."""
    tmp = "%s.tmp-%d-%s" % (path, os.getpid(), secrets.token_hex(4))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(os.path.dirname(path))


def secret_key(state_dir):
    """The presigning secret, kept in the state folder so that issued URLs survive restarts."""
    path = os.path.join(state_dir, "presign.key")
    try:
        with open(path, "rb") as f:
            data = f.read()
        if len(data) == 32:
            return data
    except FileNotFoundError:
        pass
    data = secrets.token_bytes(32)
    write_atomic(path, data, 0o600)
    return data


class Disk:
    """The journal (one JSON line per object change: {"t": table, "k": key, "v": encoded} or
    {"t", "k", "del": true} or {"clear": true}), fsync'd before the change is acknowledged, and
    the uploaded and rendered files under files/<sha256>."""

    def __init__(self, state_dir):
        self.dir = os.path.join(state_dir, "data")
        self.files = os.path.join(self.dir, "files")
        for path in (self.dir, self.files):
            if not os.path.isdir(path):
                os.makedirs(path)
                fsync_dir(os.path.dirname(path))
        self.path = os.path.join(self.dir, JOURNAL)
        self._lock = threading.Lock()
        self._file = None

    # -- files -----------------------------------------------------------------------------------
    def put_file(self, data):
        """Store bytes under their sha256 (once); returns the hex digest."""
        digest = hashlib.sha256(data).hexdigest()
        path = os.path.join(self.files, digest)
        if not os.path.exists(path):
            write_atomic(path, data)
        return digest

    def read_file(self, digest):
        with open(os.path.join(self.files, digest), "rb") as f:
            return f.read()

    # -- journal ---------------------------------------------------------------------------------
    def load(self):
        """{table: {key: encoded value}} replayed from the journal. A line cut short by a crash
        (only possible at the end) is skipped with a message."""
        tables = {}
        if not os.path.exists(self.path):
            return tables
        with open(self.path, "rb") as f:
            lines = f.read().split(b"\n")
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw.decode("utf-8"))
            except ValueError:
                sys.stderr.write("sandbox: journal line %d is damaged; skipped\n" % number)
                continue
            if rec.get("clear"):
                tables = {}
            elif rec.get("del"):
                tables.get(rec["t"], {}).pop(rec["k"], None)
            else:
                tables.setdefault(rec["t"], {})[rec["k"]] = rec["v"]
        return tables

    def rewrite(self, tables):
        """Replace the journal by one line per live object (compaction at start-up)."""
        lines = [json.dumps({"t": t, "k": k, "v": v}) for t, rows in tables.items()
                 for k, v in rows.items()]
        with self._lock:
            if self._file:
                self._file.close()
            write_atomic(self.path, "".join(line + "\n" for line in lines).encode("utf-8"))
            self._file = open(self.path, "ab")

    def _append(self, rec):
        line = (json.dumps(rec) + "\n").encode("utf-8")
        with self._lock:
            if self._file is None:
                self._file = open(self.path, "ab")
            self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())

    def record(self, table, key, value):
        self._append({"t": table, "k": key, "v": value})

    def delete(self, table, key):
        self._append({"t": table, "k": key, "del": True})

    def clear(self):
        self._append({"clear": True})

    def close(self):
        with self._lock:
            if self._file:
                self._file.close()
                self._file = None
