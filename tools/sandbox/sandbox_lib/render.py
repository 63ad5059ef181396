# SPDX-License-Identifier: MIT
# Derived images: a visible per-tool tone curve and marker band, plus resized/re-encoded variants.
import collections
import threading

from . import images


def _table(scale, offset, gamma=1.0, contrast=1.0):
    out = bytearray(256)
    for v in range(256):
        x = (v / 255.0) ** gamma
        x = 0.5 + (x - 0.5) * contrast
        out[v] = max(0, min(255, int(round(x * 255 * scale + offset))))
    return bytes(out)


# style -> ((red, green, blue) curve arguments, marker band colour)
_STYLES = {
    "warm": (((1.06, 14), (1.0, 5), (0.80, 0)), (230, 150, 60)),
    "enhance": (((1.0, 10, 0.85, 1.25), (1.0, 10, 0.85, 1.25), (1.0, 6, 0.85, 1.2)),
                (60, 200, 120)),
    "dusk": (((0.80, 28, 1.2), (0.60, 10, 1.25), (0.70, 48, 1.1)), (70, 60, 160)),
    "lighter": (((1.0, 0, 0.6), (1.0, 0, 0.6), (1.0, 0, 0.6)), (250, 240, 200)),
    "darker": (((1.0, 0, 1.6), (1.0, 0, 1.6), (1.0, 0, 1.6)), (40, 40, 40)),
    "cool": (((0.88, 0), (0.97, 4), (1.0, 22)), (80, 160, 230)),
    "material": (((0.95, 22), (0.88, 12), (0.72, 0)), (160, 110, 70)),
}
_TABLES = {name: (tuple(_table(*args) for args in curves), band)
           for name, (curves, band) in _STYLES.items()}


def style_names():
    return sorted(_TABLES)


def apply_style(r, style):
    """Apply the style's per-channel tone curve and paint a marker band top and bottom."""
    tables, band = _TABLES[style]
    px = bytearray(r.pixels)
    for c in range(3):
        px[c::3] = px[c::3].translate(tables[c])
    band_rows = max(2, r.height // 40)
    stride = r.width * 3
    fill = bytes(band) * (r.width * band_rows)
    px[0:stride * band_rows] = fill
    px[stride * (r.height - band_rows):stride * r.height] = fill
    return images.Raster(r.width, r.height, bytes(px))


def derive(data, style):
    """Decode an uploaded image, apply style, encode JPEG quality 90. Returns (jpeg, w, h)."""
    r = apply_style(images.decode(data), style)
    return images.encode(r, "jpeg", 90), r.width, r.height


def fit(size, width=None, height=None, max_width=None, scale=None):
    """Target size: fit in width x height keeping the aspect, cap at max_width, times scale;
    never larger than size."""
    w, h = size
    f = 1.0
    if width:
        f = min(f, width / float(w))
    if height:
        f = min(f, height / float(h))
    if max_width:
        f = min(f, max_width / float(w))
    if scale:
        f = min(f, f * scale)
    return max(1, int(round(w * f))), max(1, int(round(h * f)))


class VariantCache:
    """Small LRU cache of rendered variants keyed by (source id, parameters)."""

    def __init__(self, capacity=64):
        self._lock = threading.Lock()
        self._items = collections.OrderedDict()
        self._capacity = capacity

    def get_or_render(self, key, fn):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = fn()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return value

    def clear(self):
        with self._lock:
            self._items.clear()


def variant(data, kind, size, target, fmt="jpeg", quality=90):
    """Re-encode data (kind, size) at target (w, h) in fmt. Returns (bytes, mime)."""
    same_size = tuple(target) == tuple(size)
    if same_size and kind == fmt and (fmt != "jpeg" or quality == 90):
        return data, images.MIME[kind]
    r = images.decode(data, kind, at_least=target)
    r = images.resize(r, target[0], target[1])
    return images.encode(r, fmt, quality), images.MIME[fmt]
