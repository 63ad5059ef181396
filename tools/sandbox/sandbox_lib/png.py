# SPDX-License-Identifier: MIT
# Minimal pure-Python PNG codec: decodes 8-bit non-interlaced PNG to RGB, encodes RGB PNG.
import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


class PngError(ValueError):
    """The PNG is malformed or uses a feature this decoder does not support."""


def _chunks(data):
    pos = len(SIGNATURE)
    while pos + 12 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length:
            raise PngError("chunk %r is truncated" % ctype)
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(ctype + body) & 0xFFFFFFFF != crc:
            raise PngError("chunk %r has a bad CRC" % ctype)
        yield ctype, body
        if ctype == b"IEND":
            return
        pos += 12 + length
    raise PngError("no IEND chunk (truncated file?)")


def header(data):
    """Return (width, height, bit depth, colour type, interlace) from the IHDR chunk."""
    if not data.startswith(SIGNATURE) or data[12:16] != b"IHDR" or len(data) < 29:
        raise PngError("not a PNG (no signature/IHDR)")
    w, h, depth, ctype, _comp, _filt, interlace = struct.unpack(">IIBBBBB", data[16:29])
    return w, h, depth, ctype, interlace


def _unfilter(raw, width, height, bpp):
    stride = width * bpp
    out = bytearray(stride * height)
    prev = bytearray(stride)
    pos = 0
    for y in range(height):
        ftype = raw[pos]
        line = bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        if len(line) != stride:
            raise PngError("image data is truncated at row %d" % y)
        if ftype == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif ftype == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif ftype == 3:
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((left + prev[x]) >> 1)) & 255
        elif ftype == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 255
        elif ftype != 0:
            raise PngError("unknown filter type %d at row %d" % (ftype, y))
        out[y * stride:(y + 1) * stride] = line
        prev = line
    return bytes(out)


def _to_rgb(px, ctype, width, height, palette):
    n = width * height
    if ctype == 2:
        return px
    out = bytearray(n * 3)
    if ctype == 6:
        for c in range(3):
            out[c::3] = px[c::4]
    elif ctype == 0:
        for c in range(3):
            out[c::3] = px
    elif ctype == 4:
        for c in range(3):
            out[c::3] = px[0::2]
    elif ctype == 3:
        if not palette:
            raise PngError("palette image without PLTE chunk")
        lut = [palette[i * 3:i * 3 + 3] for i in range(len(palette) // 3)]
        try:
            return b"".join([lut[i] for i in px])
        except IndexError:
            raise PngError("palette index out of range")
    return bytes(out)


def decode(data, max_pixels):
    """Decode to (width, height, RGB bytes). Raises PngError for what is not supported."""
    w, h, depth, ctype, interlace = header(data)
    if ctype not in _CHANNELS:
        raise PngError("invalid colour type %d" % ctype)
    if depth != 8:
        raise PngError("%d-bit PNG is not supported by the sandbox (8-bit only)" % depth)
    if interlace:
        raise PngError("interlaced PNG is not supported by the sandbox")
    if w * h > max_pixels:
        raise PngError("PNG of %dx%d is over the sandbox's %d-pixel PNG decode limit"
                       % (w, h, max_pixels))
    idat, palette = [], b""
    for ctype_, body in _chunks(data):
        if ctype_ == b"IDAT":
            idat.append(body)
        elif ctype_ == b"PLTE":
            palette = body
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise PngError("image data does not inflate: %s" % e)
    px = _unfilter(raw, w, h, _CHANNELS[ctype])
    return w, h, _to_rgb(px, ctype, w, h, palette)


def _chunk(ctype, body):
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(
        ">I", zlib.crc32(ctype + body) & 0xFFFFFFFF)


def encode(width, height, rgb, channels=3, ctype=2):
    """Encode 8-bit pixels (RGB by default) as PNG with filter 0 on every row."""
    stride = width * channels
    rows = b"".join(b"\x00" + rgb[y * stride:(y + 1) * stride] for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, ctype, 0, 0, 0)
    return (SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(rows, 6))
            + _chunk(b"IEND", b""))
