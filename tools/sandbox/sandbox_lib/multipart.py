# SPDX-License-Identifier: MIT
# Strict multipart/form-data parser (RFC 7578 / RFC 2046) that explains exactly what is wrong.
import re

_BCHARS = re.compile(r"^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$")
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
MAX_PARTS = 100


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data; str() says where and why."""


class Part:
    def __init__(self, index, name, filename, content_type, headers, data):
        self.index = index
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.headers = headers
        self.data = data

    def text(self):
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            raise MultipartError("part %d (%s) is not valid UTF-8 text" % (self.index, self.name))


def parse_params(value):
    """Split 'type/sub; a=b; c="d"' into ('type/sub', {'a': 'b', 'c': 'd'}); names lower-cased."""
    head, _, rest = value.partition(";")
    params = {}
    i = 0
    while i < len(rest):
        m = re.match(r'\s*([^=;\s]+)\s*=\s*', rest[i:])
        if not m:
            if rest[i:].strip(" \t;") == "":
                break
            raise MultipartError("cannot parse parameters %r" % rest.strip())
        name = m.group(1).lower()
        i += m.end()
        if i < len(rest) and rest[i] == '"':
            j, buf = i + 1, []
            while j < len(rest) and rest[j] != '"':
                if rest[j] == "\\" and j + 1 < len(rest):
                    j += 1
                buf.append(rest[j])
                j += 1
            if j >= len(rest):
                raise MultipartError("unterminated quoted string in %r" % value)
            params[name] = "".join(buf)
            i = j + 1
        else:
            m2 = re.match(r"[^;]*", rest[i:])
            params[name] = m2.group(0).strip()
            i += m2.end()
        m3 = re.match(r"\s*(;|$)", rest[i:])
        if not m3:
            raise MultipartError("expected ';' after parameter %s in %r" % (name, value))
        i += m3.end()
    return head.strip().lower(), params


def boundary_of(content_type):
    """Return the boundary of a multipart/form-data Content-Type header or raise MultipartError."""
    if not content_type:
        raise MultipartError("Content-Type header missing; "
                             "expected multipart/form-data; boundary=...")
    mtype, params = parse_params(content_type)
    if mtype != "multipart/form-data":
        raise MultipartError("Content-Type is %r; this endpoint needs multipart/form-data" % mtype)
    b = params.get("boundary")
    if b is None:
        raise MultipartError("Content-Type multipart/form-data has no boundary parameter")
    if not _BCHARS.match(b):
        raise MultipartError("boundary %r is invalid: 1-70 characters from RFC 2046 bchars, "
                             "not ending in a space" % b)
    return b.encode("ascii")


def _parse_headers(block, index):
    headers = {}
    for raw in block.split(b"\r\n"):
        if b"\n" in raw or b"\r" in raw:
            raise MultipartError("part %d: header line %r has a bare CR or LF; lines end with CRLF"
                                 % (index, raw[:60]))
        name, sep, value = raw.partition(b":")
        try:
            name = name.decode("ascii")
            value = value.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise MultipartError("part %d: header %r is not ASCII/UTF-8" % (index, raw[:60]))
        if not sep or not _TOKEN.match(name):
            raise MultipartError("part %d: malformed header line %r (expected 'Name: value')"
                                 % (index, raw[:60].decode("latin-1")))
        lname = name.lower()
        if lname in headers:
            raise MultipartError("part %d: header %s appears twice" % (index, name))
        headers[lname] = value
    return headers


def _make_part(index, headers, data):
    disp = headers.get("content-disposition")
    if disp is None:
        raise MultipartError("part %d has no Content-Disposition header" % index)
    kind, params = parse_params(disp)
    if kind != "form-data":
        raise MultipartError("part %d: Content-Disposition is %r, expected form-data"
                             % (index, kind))
    name = params.get("name")
    if not name:
        raise MultipartError("part %d: Content-Disposition has no name parameter" % index)
    ctype = headers.get("content-type")
    return Part(index, name, params.get("filename"), ctype, headers, data)


def parse(body, content_type):
    """Parse body strictly. Returns a list of Part in body order. Raises MultipartError."""
    boundary = boundary_of(content_type)
    delim = b"--" + boundary
    if body.startswith(b"\r\n" + delim):
        pos = 2
    elif body.startswith(delim):
        pos = 0
    else:
        if not body:
            raise MultipartError("body is empty; expected parts separated by --%s"
                                 % boundary.decode())
        raise MultipartError("body does not start with --%s (the boundary from Content-Type); "
                             "it starts with %r" % (boundary.decode(), body[:40]))
    parts = []
    sep = b"\r\n" + delim
    while True:
        pos += len(delim)
        after = body[pos:pos + 2]
        if after == b"--":
            tail = body[pos + 2:]
            if tail not in (b"", b"\r\n"):
                raise MultipartError("%d unexpected bytes after the closing boundary --%s--"
                                     % (len(tail), boundary.decode()))
            break
        if after != b"\r\n":
            if after[:1] == b"\n":
                raise MultipartError("boundary line %d ends with LF, not CRLF" % (len(parts) + 1))
            if not after:
                raise MultipartError("body ends right after a boundary: closing --%s-- missing "
                                     "(truncated body?)" % boundary.decode())
            raise MultipartError("boundary line %d is followed by %r instead of CRLF or --"
                                 % (len(parts) + 1, after))
        pos += 2
        index = len(parts) + 1
        if index > MAX_PARTS:
            raise MultipartError("more than %d parts" % MAX_PARTS)
        if body.startswith(b"\r\n", pos):
            headers, start = {}, pos + 2
        else:
            hend = body.find(b"\r\n\r\n", pos)
            nxt = body.find(sep, pos)
            if hend < 0 or (0 <= nxt < hend):
                if b"\n\n" in body[pos:pos + 4096]:
                    raise MultipartError("part %d: headers end with LF LF; they must end with "
                                         "CRLF CRLF" % index)
                raise MultipartError("part %d: no blank line (CRLF CRLF) after its headers" % index)
            headers, start = _parse_headers(body[pos:hend], index), hend + 4
        end = body.find(sep, start)
        if end < 0:
            raise MultipartError("part %d is not terminated: no CRLF --%s after its data "
                                 "(truncated body or wrong boundary)" % (index, boundary.decode()))
        parts.append(_make_part(index, headers, body[start:end]))
        pos = end + 2
    if not parts:
        raise MultipartError("multipart body has no parts")
    return parts
