# SPDX-License-Identifier: MIT
# Fault and behaviour switches (command line, POST /_admin/faults) and the order rate limiter.
import collections
import copy
import fnmatch
import math
import threading
import time

MB = 1024 * 1024

DEFAULTS = {
    "bare": False,
    "rate_limit": {"count": 10, "window_seconds": 600},
    "fail_next": [],
    "reset_upload": {"count": 0, "path": None, "method": "*"},
    "stall": [],
    "process_seconds": 2.0,
    "fail_processes": 0,
    "redirect_enhanced": False,
    "upload_url_field": "both",
    "upload_url_expires": 3600,
    "max_upload_bytes": 50 * MB,
    "body_timeout_seconds": 30.0,
    "result_urls": "src",
}

RESULT_URLS = ("src", "temp", "mixed")
ALIASES = {"status_5xx": "fail_next"}


def _bool(name, v):
    if not isinstance(v, bool):
        raise ValueError("%s must be true or false, got %r" % (name, v))
    return v


def _num(name, v, lo, hi, integer=False):
    wrong_type = isinstance(v, bool) or not isinstance(v, (int, float))
    if wrong_type or (integer and not isinstance(v, int)):
        kind = "an integer" if integer else "a number"
        raise ValueError("%s must be %s, got %r" % (name, kind, v))
    if not lo <= v <= hi:
        raise ValueError("%s must be between %s and %s, got %r" % (name, lo, hi, v))
    return v


def _count(name, v):
    if v is None or v == -1:
        return None
    return _num(name, v, 1, 10 ** 9, integer=True)


def _pattern(name, v):
    if not isinstance(v, str) or not v.startswith(("/", "*")):
        raise ValueError("%s must be a path pattern such as \"/v3/order\" or "
                         "\"/v3/process/*\", got %r" % (name, v))
    return v


def _method(name, v):
    if not isinstance(v, str) or not (v == "*" or v.isalpha()):
        raise ValueError("%s must be an HTTP method or \"*\", got %r" % (name, v))
    return v.upper()


def _rules(name, v, parse_one):
    if isinstance(v, dict):
        v = [v]
    if not isinstance(v, list):
        raise ValueError("%s must be a list of rule objects" % name)
    return [parse_one("%s[%d]" % (name, i), r) for i, r in enumerate(v)]


def _check_keys(name, rule, allowed):
    if not isinstance(rule, dict):
        raise ValueError("%s must be an object" % name)
    extra = sorted(set(rule) - set(allowed))
    if extra:
        raise ValueError("%s has unknown field(s) %s; allowed: %s" % (name, extra, sorted(allowed)))


def _fail_rule(name, r):
    _check_keys(name, r, ("path", "method", "status", "count", "when", "retry_after", "message"))
    when = r.get("when", "before")
    if when not in ("before", "after"):
        raise ValueError("%s.when must be \"before\" or \"after\", got %r" % (name, when))
    out = {"path": _pattern(name + ".path", r.get("path")),
           "method": _method(name + ".method", r.get("method", "*")),
           "status": _num(name + ".status", r.get("status", 503), 400, 599, integer=True),
           "count": _count(name + ".count", r.get("count", 1)), "when": when,
           "retry_after": None, "message": None}
    if r.get("retry_after") is not None:
        out["retry_after"] = _num(name + ".retry_after", r["retry_after"], 0, 86400, integer=True)
    if r.get("message") is not None:
        out["message"] = str(r["message"])
    return out


def _stall_rule(name, r):
    _check_keys(name, r, ("path", "method", "seconds", "count", "mode"))
    mode = r.get("mode", "before")
    if mode not in ("before", "mid_body"):
        raise ValueError("%s.mode must be \"before\" or \"mid_body\", got %r" % (name, mode))
    return {"path": _pattern(name + ".path", r.get("path")),
            "method": _method(name + ".method", r.get("method", "*")),
            "seconds": _num(name + ".seconds", r.get("seconds", 5), 0, 300),
            "count": _count(name + ".count", r.get("count", 1)), "mode": mode}


def _reset_upload(v):
    if isinstance(v, int) and not isinstance(v, bool):
        v = {"count": v}
    _check_keys("reset_upload", v, ("count", "path", "method"))
    path = v.get("path")
    return {"count": _num("reset_upload.count", v.get("count", 1), 0, 10 ** 9, integer=True),
            "path": None if path is None else _pattern("reset_upload.path", path),
            "method": _method("reset_upload.method", v.get("method", "*"))}


def _rate_limit(v):
    if v is None or v is False:
        return None
    _check_keys("rate_limit", v, ("count", "window_seconds"))
    return {"count": _num("rate_limit.count", v.get("count", 10), 1, 10 ** 6, integer=True),
            "window_seconds": _num("rate_limit.window_seconds", v.get("window_seconds", 600),
                                   0.001, 86400 * 7)}


def _fail_processes(v):
    if isinstance(v, bool):
        return -1 if v else 0
    return _num("fail_processes", v, -1, 10 ** 9, integer=True)


def _choice(name, v, choices):
    if v not in choices:
        raise ValueError("%s must be one of %s, got %r" % (name, list(choices), v))
    return v


_PARSERS = {
    "bare": lambda v: _bool("bare", v),
    "rate_limit": _rate_limit,
    "fail_next": lambda v: _rules("fail_next", v, _fail_rule),
    "reset_upload": _reset_upload,
    "stall": lambda v: _rules("stall", v, _stall_rule),
    "process_seconds": lambda v: float(_num("process_seconds", v, 0, 3600)),
    "fail_processes": _fail_processes,
    "redirect_enhanced": lambda v: _bool("redirect_enhanced", v),
    "upload_url_field": lambda v: _choice("upload_url_field", v,
                                          ("both", "upload_url", "s3PutObjectUrl")),
    "upload_url_expires": lambda v: _num("upload_url_expires", v, 1, 604800, integer=True),
    "max_upload_bytes": lambda v: _num("max_upload_bytes", v, 1, 1 << 40, integer=True),
    "body_timeout_seconds": lambda v: float(_num("body_timeout_seconds", v, 0.05, 300)),
    "result_urls": lambda v: _choice("result_urls", v, RESULT_URLS),
}


def parse_update(update):
    """Validate a partial switch object; returns the normalised fields. Raises ValueError."""
    if not isinstance(update, dict):
        raise ValueError("the body must be a JSON object of switches")
    out = {}
    for name, value in update.items():
        name = ALIASES.get(name, name)
        if name not in _PARSERS:
            raise ValueError("unknown switch %r; known: %s" % (name, sorted(_PARSERS)))
        out[name] = _PARSERS[name](value)
    return out


def _matches(rule, method, path):
    return rule["method"] in ("*", method) and fnmatch.fnmatchcase(path, rule["path"])


class Faults:
    """Current switches. Thread-safe; counters of one-shot rules are consumed atomically."""

    def __init__(self, baseline):
        self._lock = threading.Lock()
        self._baseline = copy.deepcopy(baseline)
        self._cur = copy.deepcopy(baseline)

    def snapshot(self):
        with self._lock:
            return copy.deepcopy(self._cur)

    def get(self, name):
        with self._lock:
            return copy.deepcopy(self._cur[name])

    def update(self, update):
        fields = parse_update(update)
        with self._lock:
            self._cur.update(fields)
            return copy.deepcopy(self._cur)

    def reset(self):
        with self._lock:
            self._cur = copy.deepcopy(self._baseline)
            return copy.deepcopy(self._cur)

    def _take_rule(self, listname, pred):
        with self._lock:
            rules = self._cur[listname]
            for i, rule in enumerate(rules):
                if pred(rule):
                    if rule["count"] is not None:
                        rule["count"] -= 1
                        if rule["count"] <= 0:
                            del rules[i]
                    return copy.deepcopy(rule)
        return None

    def take_fail(self, method, path, when):
        return self._take_rule("fail_next",
                               lambda r: r["when"] == when and _matches(r, method, path))

    def take_stall(self, method, path):
        return self._take_rule("stall", lambda r: _matches(r, method, path))

    def take_reset_upload(self, method, path, is_upload):
        with self._lock:
            rule = self._cur["reset_upload"]
            if rule["count"] <= 0 or rule["method"] not in ("*", method):
                return False
            hit = is_upload if rule["path"] is None else fnmatch.fnmatchcase(path, rule["path"])
            if hit:
                rule["count"] -= 1
            return hit

    def take_fail_process(self):
        with self._lock:
            n = self._cur["fail_processes"]
            if n > 0:
                self._cur["fail_processes"] = n - 1
            return n != 0


class RateLimiter:
    """Sliding-window count of order creations per API key."""

    def __init__(self, faults):
        self._faults = faults
        self._lock = threading.Lock()
        self._hits = collections.defaultdict(collections.deque)

    def acquire(self, key):
        """Reserve one creation. Returns (token, None) or (None, retry_after_seconds, limit)."""
        limit = self._faults.get("rate_limit")
        if limit is None:
            return time.monotonic(), None, None
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - limit["window_seconds"]:
                hits.popleft()
            if len(hits) >= limit["count"]:
                wait = hits[0] + limit["window_seconds"] - now
                return None, max(1, int(math.ceil(wait))), limit
            hits.append(now)
            return now, None, None

    def release(self, key, token):
        """Give back a reservation whose request did not create anything."""
        with self._lock:
            try:
                self._hits[key].remove(token)
            except ValueError:
                pass

    def clear(self):
        with self._lock:
            self._hits.clear()
