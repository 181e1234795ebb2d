"""64-bit difference hash (dHash) for near-duplicate detection.

The hash is an unsigned 64-bit int. PostgreSQL has no unsigned BIGINT, so store
``dhash_to_signed(h)`` and convert back with ``dhash_from_signed``; ``hamming`` accepts either form.
"""

from __future__ import annotations

from typing import Final

from PIL import Image

_MASK: Final = (1 << 64) - 1
_SIGN: Final = 1 << 63


def dhash(im: Image.Image) -> int:
    """Row-wise difference hash: 9x8 grayscale box-downsample, bit = left pixel brighter than right.

    Bits are row-major, most significant first. Feed it the oriented (small) variant -- the 9x8
    reduction of a 320 px thumbnail is as good as one of the full image and costs nothing.
    """
    small = im.convert("L").resize((9, 8), Image.Resampling.BOX)
    px = small.tobytes()
    value = 0
    for row in range(8):
        base = row * 9
        for col in range(8):
            value = (value << 1) | (px[base + col] > px[base + col + 1])
    return value


def dhash_to_signed(value: int) -> int:
    """Unsigned 64-bit -> two's-complement signed 64-bit (fits a PostgreSQL BIGINT)."""
    value &= _MASK
    return value - (1 << 64) if value & _SIGN else value


def dhash_from_signed(value: int) -> int:
    """Signed 64-bit (as stored in BIGINT) -> unsigned 64-bit hash."""
    return value & _MASK


def hamming(a: int, b: int) -> int:
    """Number of differing bits; works for signed or unsigned representations alike."""
    return ((a ^ b) & _MASK).bit_count()
