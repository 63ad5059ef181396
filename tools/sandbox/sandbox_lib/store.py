# SPDX-License-Identifier: MIT
# Objects of both vendors, their ids and timestamps, kept durably through persist.Disk; one lock.
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


class _Stored:
    """Bytes held in memory after an upload or a render, or read back from the state folder
    (sha256 names the file there once it has been written)."""

    FIELDS = ()
    sha256 = None
    _data = None
    _disk = None

    @property
    def data(self):
        if self._data is None and self._disk is not None:
            self._data = self._disk.read_file(self.sha256)
        return self._data

    @data.setter
    def data(self, value):
        self._data = value

    def encode(self, disk):
        if self.sha256 is None:
            self.sha256 = disk.put_file(self.data)
        fields = {k: getattr(self, k) for k in self.FIELDS}
        return {"$file": type(self).__name__, "sha256": self.sha256, "fields": fields}

    @classmethod
    def decode(cls, rec, disk):
        kind = {"Blob": Blob, "Result": Result}[rec["$file"]]
        obj = kind.__new__(kind)
        obj.__dict__.update(rec["fields"])
        if obj.size is not None:
            obj.size = tuple(obj.size)
        obj.sha256, obj._disk = rec["sha256"], disk
        return obj


class Blob(_Stored):
    """Uploaded file bytes with what was sniffed from them."""

    FIELDS = ("id", "kind", "filename", "size", "comment")

    def __init__(self, data, kind, filename, size, comment=""):
        self.id = secrets.token_hex(12)
        self.data = data
        self.kind = kind
        self.filename = filename or ""
        self.size = size
        self.comment = comment


class Result(_Stored):
    """A derived (processed) image served under /cdn/results/<id>.jpg."""

    FIELDS = ("id", "kind", "size")

    def __init__(self, data, width, height):
        self.id = object_id()
        self.data = data
        self.kind = "jpeg"
        self.size = (width, height)


class Job:
    """Timed processing: pending until pending_until, processing until due and rendered."""

    FIELDS = ("id", "created", "seconds", "pending_until", "due", "fail_reason", "error",
              "finished_at", "style")

    def __init__(self, seconds, fail_reason=None, blob=None, style=None):
        self.id = object_id()
        self.blob = blob  # the input, kept so that a restarted sandbox can render it again
        self.style = style
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


TABLES = ("projects", "orders", "assets", "processes", "groups", "v1_orders", "results",
          "ae_orders", "ae_images", "jobs")


class Store:
    """All vendor objects by id. Callers hold .lock while mutating shared collections, then call
    save() (or add()/remove()), which writes the change durably before the caller answers."""

    def __init__(self, disk=None):
        self.lock = threading.RLock()
        self.disk = disk
        self._empty()

    def _empty(self):
        with self.lock:
            for name in TABLES:
                setattr(self, name, {})

    def clear(self):
        with self.lock:
            self._empty()
            if self.disk:
                self.disk.clear()

    def add(self, table, key, obj):
        with self.lock:
            getattr(self, table)[key] = obj
            self.save(table, key)
        return obj

    def save(self, table, key):
        """Journal the current state of one object (no-op without a state folder)."""
        if self.disk is None:
            return
        with self.lock:
            obj = getattr(self, table).get(key)
            if obj is not None:
                value = _encode_job(obj, self.disk) if table == "jobs" else \
                    _encode(obj, self.disk)
                self.disk.record(table, key, value)

    def remove(self, table, key):
        with self.lock:
            if getattr(self, table).pop(key, None) is not None and self.disk:
                self.disk.delete(table, key)

    def load(self):
        """Read the journal back (then compact it); returns the jobs that had not finished."""
        raw = self.disk.load()
        with self.lock:
            for key, rec in raw.get("jobs", {}).items():
                self.jobs[key] = _decode_job(rec, self.disk)
            for table in TABLES:
                if table != "jobs":
                    for key, rec in raw.get(table, {}).items():
                        getattr(self, table)[key] = _decode(rec, self)
            self.disk.rewrite(raw)
            return [j for j in self.jobs.values() if j.finished_at is None]

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


def _encode(value, disk):
    if isinstance(value, _Stored):
        return value.encode(disk)
    if isinstance(value, Job):
        return {"$job": value.id}
    if isinstance(value, Obj):
        return {"$obj": {k: _encode(v, disk) for k, v in vars(value).items()}}
    if isinstance(value, dict):
        return {k: _encode(v, disk) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v, disk) for v in value]
    return value


def _decode(value, store):
    if isinstance(value, list):
        return [_decode(v, store) for v in value]
    if not isinstance(value, dict):
        return value
    if "$obj" in value:
        obj = Obj()
        obj.__dict__.update({k: _decode(v, store) for k, v in value["$obj"].items()})
        return obj
    if "$file" in value:
        return _Stored.decode(value, store.disk)
    if "$job" in value:
        return store.jobs[value["$job"]]
    return {k: _decode(v, store) for k, v in value.items()}


def _encode_job(job, disk):
    out = {k: getattr(job, k) for k in Job.FIELDS}
    out["blob"] = job.blob.encode(disk) if job.blob is not None else None
    out["result"] = job.result.encode(disk) if job.result is not None else None
    return out


def _decode_job(rec, disk):
    job = Job.__new__(Job)
    job.__dict__.update({k: rec.get(k) for k in Job.FIELDS})
    job.blob = _Stored.decode(rec["blob"], disk) if rec.get("blob") else None
    job.result = _Stored.decode(rec["result"], disk) if rec.get("result") else None
    job.finished = threading.Event()
    if job.finished_at is not None:
        job.finished.set()
    return job


class Obj:
    """A plain attribute bag for vendor objects (project, order, asset, process, ...)."""

    def __init__(self, **fields):
        self.__dict__.update(fields)
