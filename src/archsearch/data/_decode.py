"""Decode a batch of image files; runs in worker processes, so it imports only numpy and PIL."""

from __future__ import annotations

import io
from typing import NamedTuple

import numpy as np

__all__ = ["Decoded", "decode_batch", "GRAY_MODES"]

# PIL modes with one channel of intensity; anything else decodes as RGB.
GRAY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
_COLOUR_MODES = frozenset({"RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr", "LAB", "HSV"})


class Decoded(NamedTuple):
    """One decoded batch, positions relative to the batch."""

    pixels: np.ndarray  # (k, H, W) for "L", (k, H, W, 3) for "RGB", uint8
    ok: list[int]  # positions that decoded, in order
    bad: list[tuple[int, str]]  # (position, reason) of unreadable / non-image files
    other_size: list[tuple[int, tuple[int, int]]]  # (position, (h, w)) of size mismatches when strict
    to_gray: int  # colour images converted to grey


def decode_batch(items: list[str] | list[bytes], mode: str, size: tuple[int, int], strict: bool) -> Decoded:
    """Decode paths (or file contents) to ``mode`` ("L" or "RGB") at ``size`` (height, width).

    With ``strict`` an image of another size is reported, not resized (no target size
    was set, so resizing would silently distort it).

    Example:
        >>> decode_batch(["missing.png"], "L", (28, 28), strict=True).bad[0][0]
        0
    """
    from PIL import Image

    h, w = size
    shape = (len(items), h, w) if mode == "L" else (len(items), h, w, 3)
    out = np.empty(shape, dtype=np.uint8)
    ok: list[int] = []
    bad: list[tuple[int, str]] = []
    other: list[tuple[int, tuple[int, int]]] = []
    to_gray = 0
    for pos, item in enumerate(items):
        try:
            with Image.open(io.BytesIO(item) if isinstance(item, bytes) else item) as img:
                img.load()  # truncated files fail here, not at open()
                if img.size != (w, h):
                    if strict:
                        other.append((pos, (img.size[1], img.size[0])))
                        continue
                    img = img.resize((w, h), Image.Resampling.BILINEAR)
                if mode == "L" and img.mode in _COLOUR_MODES:
                    to_gray += 1
                out[len(ok)] = np.asarray(img.convert(mode))
        except Exception as err:  # noqa: BLE001 - any file PIL cannot decode is skipped and counted, never fatal
            bad.append((pos, f"{type(err).__name__}: {err}"[:120]))
            continue
        ok.append(pos)
    return Decoded(out[: len(ok)], ok, bad, other, to_gray)
