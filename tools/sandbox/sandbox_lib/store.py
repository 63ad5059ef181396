# SPDX-License-Identifier: MIT
# In-memory objects of both vendors, their ids and timestamps; thread-safe through one lock.
import datetime
import itertools
import secrets
import threading
import time
import uuid

_counter = itertools.count(secrets.randbelow(1 << 24))


def object_id():
    """A 24-hex-character id shaped like a MongoDB ObjectId (AI HomeDesign ids)."""
    return "%08x%s%06x" % (int(time.time()), secrets.token_hex(5), next(_counter) & 0xFFFFFF)


def uuid4():
    return str(uuid.uuid4())


def iso(ts=None, micro=False):
    """UTC ISO-8601 with a Z suffix, seconds (default) or microseconds."""
    dt = datetime.datetime.fromtimestamp(time.time() if ts is None else ts, datetime.timezone.utc)
    text = dt.isoformat(timespec="microseconds" if micro else "seconds")
    return text.replace("+00:00", "Z")


class Blob:
    """Uploaded file bytes with what was sniffed from them."""

    def __init__(self, data, kind, filename, size, comment=""):
        self.id = secrets.token_hex(12)
        self.data = data
        self.kind = kind
        self.filename = filename or ""
        self.size = size
        self.comment = comment


class Result:
    """A derived (processed) image served under /cdn/results/<id>.jpg."""

    def __init__(self, data, width, height):
        self.id = object_id()
        self.data = data
        self.kind = "jpeg"
        self.size = (width, height)


class Job:
    """Timed processing: pending until pending_until, processing until due and rendered."""

    def __init__(self, seconds, fail_reason=None):
        self.created = time.time()
        self.seconds = seconds
        self.pending_until = self.created + seconds * 0.25
        self.due = self.created + seconds
        self.fail_reason = fail_reason
        self.result = None
        self.error = None
        self.finished = threading.Event()
        self.finished_at = None

    def state(self, now=None):
        """'pending', 'processing', 'done' or 'failed' at wall-clock time now."""
        now = time.time() if now is None else now
        if now < self.pending_until:
            return "pending"
        if now < self.due or not self.finished.is_set():
            return "processing"
        return "failed" if self.error else "done"

    def updated_ts(self, now=None):
        now = time.time() if now is None else now
        if now >= self.due and self.finished.is_set():
            return max(self.due, self.finished_at or self.due)
        return self.pending_until if now >= self.pending_until else self.created


class Store:
    """All vendor objects by id. Callers hold .lock while mutating shared collections."""

    def __init__(self):
        self.lock = threading.RLock()
        self.clear()

    def clear(self):
        with self.lock:
            self.projects = {}
            self.orders = {}
            self.assets = {}
            self.processes = {}
            self.groups = {}
            self.v1_orders = {}
            self.results = {}
            self.ae_orders = {}
            self.ae_images = {}

    def add(self, table, key, obj):
        with self.lock:
            getattr(self, table)[key] = obj
        return obj

    def get(self, table, key, owner=None):
        """The object, or None when unknown or owned by another API key."""
        with self.lock:
            obj = getattr(self, table).get(key)
        if obj is not None and owner is not None and getattr(obj, "owner", owner) != owner:
            return None
        return obj

    def values(self, table):
        with self.lock:
            return list(getattr(self, table).values())

    def summary(self):
        with self.lock:
            names = ("projects", "orders", "processes", "v1_orders", "ae_orders", "ae_images")
            ids = {n: list(getattr(self, n)) for n in names}
        return {
            "aihomedesign": {"projects": ids["projects"], "orders": ids["orders"],
                             "processes": ids["processes"], "v1_orders": ids["v1_orders"]},
            "autoenhance": {"orders": ids["ae_orders"], "images": ids["ae_images"]},
            "counts": {"aihd_projects": len(ids["projects"]), "aihd_orders": len(ids["orders"]),
                       "aihd_processes": len(ids["processes"]),
                       "aihd_v1_orders": len(ids["v1_orders"]),
                       "ae_orders": len(ids["ae_orders"]), "ae_images": len(ids["ae_images"])},
        }


class Obj:
    """A plain attribute bag for vendor objects (project, order, asset, process, ...)."""

    def __init__(self, **fields):
        self.__dict__.update(fields)
