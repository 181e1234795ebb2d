"""Photo ingest benchmark: ``process_photo`` (display + thumb + checks) vs the plainest Pillow code.

The floor is the fastest naive one-variant pipeline::

    im = Image.open(BytesIO(data)); im.draft("RGB", (1600, 1600))
    im.thumbnail((1600, 1600)); im.save(out, "JPEG")

on a synthetic 12 MP (4032x3024) phone-like JPEG of 3-6 MB. Target: photo_ingest_ratio <= 1.3.
Run: ``.venv/bin/python bench/photo_bench.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
MIN_BYTES, MAX_BYTES = 3_000_000, 6_000_000


def floor(data: bytes) -> bytes:
    im = Image.open(BytesIO(data))
    im.draft("RGB", (1600, 1600))
    im.thumbnail((1600, 1600))
    out = BytesIO()
    im.save(out, "JPEG")
    return out.getvalue()


def _timings(fns: dict[str, Callable[[bytes], object]], data: bytes, runs: int) -> dict[str, float]:
    """Median wall time per function in ms; runs are interleaved so drift hits both equally."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():  # warm-up: plugin imports, allocator, CPU frequency
        fn(data)
    for _ in range(runs):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn(data)
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def run(runs: int = RUNS) -> dict[str, float]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from media import PhotoLimits, process_photo
    from tests.photo_fixtures import make_phone_jpeg

    data = make_phone_jpeg(4032, 3024, min_bytes=MIN_BYTES, max_bytes=MAX_BYTES)
    assert MIN_BYTES <= len(data) <= MAX_BYTES, len(data)
    with Image.open(BytesIO(data)) as im:
        assert im.size == (4032, 3024)

    limits = PhotoLimits()
    result = process_photo(data, limits)
    assert result.display_size == (1600, 1200) and result.thumb_size == (320, 240)

    medians = _timings(
        {"ingest": lambda d: process_photo(d, limits), "floor": floor}, data, runs
    )
    return {
        "photo_ingest_ms": round(medians["ingest"], 2),
        "photo_floor_ms": round(medians["floor"], 2),
        "photo_ingest_ratio": round(medians["ingest"] / medians["floor"], 3),
        "photo_input_mb": round(len(data) / 1_000_000, 2),
    }


_UNITS = {"photo_ingest_ms": "ms", "photo_floor_ms": "ms", "photo_ingest_ratio": "x",
          "photo_input_mb": "MB"}

if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value} {_UNITS.get(name, '')}".rstrip())
