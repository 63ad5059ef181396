# SPDX-License-Identifier: MIT
# Image sniffing, sizes and codecs: djpeg/cjpeg (libjpeg-turbo) for JPEG, png.py for PNG.
import shutil
import struct
import subprocess

from . import png

MIME = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
EXT = {"jpeg": "jpg", "png": "png", "webp": "webp"}
PNG_MAX_PIXELS = 4 * 1000 * 1000
TOOL_TIMEOUT_S = 60


class ImageError(ValueError):
    """The bytes cannot be decoded or encoded; str() says why."""


class Raster:
    """8-bit RGB pixels, row-major, no padding."""

    def __init__(self, width, height, pixels):
        self.width = width
        self.height = height
        self.pixels = pixels


def sniff(data):
    """Return 'jpeg', 'png', 'webp' from the magic bytes, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == png.SIGNATURE:
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def kind_of_mime(mime):
    for kind, m in MIME.items():
        if m == mime:
            return kind
    return None


def _jpeg_segments(data):
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        yield marker, data[pos + 4:pos + 2 + length]
        if marker == 0xDA:
            return
        pos += 2 + length


def jpeg_comment(data):
    """All COM segments of a JPEG joined, decoded leniently."""
    return " ".join(seg.decode("latin-1") for m, seg in _jpeg_segments(data) if m == 0xFE)


def dimensions(data, kind):
    """(width, height) read from the headers, or None when they cannot be found."""
    try:
        if kind == "jpeg":
            for m, seg in _jpeg_segments(data):
                if 0xC0 <= m <= 0xCF and m not in (0xC4, 0xC8, 0xCC) and len(seg) >= 5:
                    h, w = struct.unpack(">HH", seg[1:5])
                    return w, h
        elif kind == "png":
            w, h = png.header(data)[:2]
            return w, h
        elif kind == "webp":
            return _webp_dimensions(data)
    except (struct.error, ValueError):
        return None
    return None


def _webp_dimensions(data):
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L" and data[20:21] == b"\x2f":
        b = int.from_bytes(data[21:25], "little")
        return (b & 0x3FFF) + 1, ((b >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    return None


def _run(argv, data):
    try:
        proc = subprocess.run(argv, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=TOOL_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ImageError("%s failed: %s" % (argv[0], e))
    if proc.returncode != 0 or not proc.stdout:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ImageError("%s cannot read the image: %s"
                         % (argv[0], msg[-1] if msg else "no output"))
    return proc.stdout


def parse_pnm(data):
    """Parse binary PPM (P6) or PGM (P5) with maxval 255 into a Raster."""
    fields, pos = [], 0
    while len(fields) < 4:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while end < len(data) and not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    magic, w, h, maxval = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    pixels = data[pos + 1:]
    if maxval != 255 or magic not in (b"P5", b"P6"):
        raise ImageError("unexpected PNM output %r maxval %d" % (magic, maxval))
    if magic == b"P5":
        rgb = bytearray(w * h * 3)
        for c in range(3):
            rgb[c::3] = pixels[:w * h]
        pixels = bytes(rgb)
    if len(pixels) < w * h * 3:
        raise ImageError("decoder output is truncated")
    return Raster(w, h, pixels[:w * h * 3])


def _scale_for(size, target):
    """Smallest libjpeg M/8 scale that keeps both dimensions at or above target."""
    for m in range(1, 9):
        if all(-(-s * m // 8) >= t for s, t in zip(size, target)):
            return m
    return 8


def decode(data, kind=None, at_least=None):
    """Decode JPEG/PNG (and WEBP when dwebp is installed) to a Raster.

    at_least: optional (w, h); JPEG is decoded at the smallest M/8 scale still that large.
    """
    kind = kind or sniff(data)
    if kind == "jpeg":
        argv = ["djpeg", "-pnm"]
        size = dimensions(data, "jpeg")
        if at_least and size:
            argv += ["-scale", "%d/8" % _scale_for(size, at_least)]
        return parse_pnm(_run(argv, data))
    if kind == "png":
        try:
            return Raster(*png.decode(data, PNG_MAX_PIXELS))
        except png.PngError as e:
            raise ImageError("PNG: %s" % e)
    if kind == "webp":
        if not shutil.which("dwebp"):
            raise ImageError("the sandbox cannot decode WEBP (dwebp is not installed)")
        return parse_pnm(_run(["dwebp", "-ppm", "-o", "-", "--", "-"], data))
    raise ImageError("not a JPEG, PNG or WEBP image")


def to_ppm(r):
    return b"P6\n%d %d\n255\n" % (r.width, r.height) + r.pixels


def encode(r, fmt="jpeg", quality=90):
    """Encode a Raster as 'jpeg' (cjpeg), 'png' (pure Python) or 'webp' (cwebp if installed)."""
    if fmt == "jpeg":
        return _run(["cjpeg", "-quality", str(int(quality))], to_ppm(r))
    if fmt == "png":
        return png.encode(r.width, r.height, r.pixels)
    if fmt == "webp":
        if not shutil.which("cwebp"):
            raise ImageError("the sandbox cannot encode WEBP (cwebp is not installed)")
        return _run(["cwebp", "-quiet", "-q", str(int(quality)), "-o", "-", "--", "-"], to_ppm(r))
    raise ImageError("unknown output format %r" % fmt)


def resize(r, width, height):
    """Nearest-neighbour resize to exactly width x height."""
    if (width, height) == (r.width, r.height):
        return r
    stride = r.width * 3
    xs = [(x * r.width // width) * 3 for x in range(width)]
    rows, last_sy, last_row = [], -1, b""
    for y in range(height):
        sy = y * r.height // height
        if sy != last_sy:
            src = r.pixels[sy * stride:(sy + 1) * stride]
            last_row = b"".join([src[i:i + 3] for i in xs])
            last_sy = sy
        rows.append(last_row)
    return Raster(width, height, b"".join(rows))
