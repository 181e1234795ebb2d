"""Photo ingest benchmark: ``process_photo`` (display + thumb + checks) vs the plainest Pillow code,
and the latency of other requests while the real server is busy with uploads.

The floor is the fastest naive one-variant pipeline::

    im = Image.open(BytesIO(data)); im.draft("RGB", (1600, 1600))
    im.thumbnail((1600, 1600)); im.save(out, "JPEG")

on a synthetic 12 MP (4032x3024) phone-like JPEG of 3-6 MB. Target: photo_ingest_ratio <= 1.3.

``healthz_p99_ms_during_uploads``: in a temporary directory (production settings, SQLite) it runs
``hotline migrate`` and ``hotline seed-demo``, starts ``hotline serve`` on a free loopback port,
signs a citizen in through the SMS-code API, then 4 clients upload that 12 MP photo non-stop
(each upload made unique by a counter in a COM segment, so none is a same-owner duplicate)
while one client measures ``GET /healthz`` for 10 s. Target: <= 50 ms.

``photo_s3_put_ms`` (optional: needs the dev extra's moto): the median time to store both variants
of that photo in S3-compatible storage -- ``media.s3.S3Storage``, the production backend, against
the moto server of the tests on loopback (signatures checked) -- and ``photo_s3_ingest_ms``, the
pipeline plus that store. moto is far slower than MinIO or OSS; this is the client's side and an
upper bound, not the store's speed.

Run: ``.venv/bin/python bench/photo_bench.py`` (``--no-server`` for the pipeline figures only,
``--no-s3`` to skip the object-store figures).
Environment: BENCH_PHOTO_SECONDS, and HOTLINE_PHOTO_* settings are passed to the server.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import statistics
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
MIN_BYTES, MAX_BYTES = 3_000_000, 6_000_000
UPLOAD_CLIENTS = 4
LOAD_SECONDS = float(os.environ.get("BENCH_PHOTO_SECONDS", "10"))
PROBE_INTERVAL_S = 0.01
MAX_PROBES = 20_000
MAX_UPLOADS_PER_CLIENT = 1_000
TARGETS = {"photo_ingest_ratio": 1.3, "healthz_p99_ms_during_uploads": 50.0}

UNITS = {
    "photo_ingest_ms": "ms",
    "photo_floor_ms": "ms",
    "photo_ingest_ratio": "x",
    "photo_input_mb": "MB",
    "healthz_p99_ms_during_uploads": "ms",
    "healthz_p50_ms_during_uploads": "ms",
    "healthz_probes_during_uploads": "count",
    "photo_uploads_per_s": "photos/s",
    "photo_upload_p50_ms": "ms",
    "photo_upload_errors": "count",
    "photo_s3_put_ms": "ms",
    "photo_s3_ingest_ms": "ms",
}


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


def _pipeline(data: bytes, runs: int) -> dict[str, float]:
    from media import PhotoLimits, process_photo

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


# ----------------------------------------------------------------- the server under uploads


def _unique(data: bytes, n: int) -> bytes:
    """The same photo with a counter in a COM segment: other bytes, same pixels."""
    payload = f"bench upload {n}".encode()
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(payload) + 2) + payload + data[2:]


def _multipart(data: bytes) -> tuple[bytes, str]:
    boundary = "hotline-bench-" + secrets.token_hex(8)
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.jpg\""
        "\r\nContent-Type: image/jpeg\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), boundary


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _post_photo(
    conn: http.client.HTTPConnection, token: str, data: bytes, n: int
) -> tuple[int, bytes, str | None]:
    """Upload photo number ``n``: (status, reply, Retry-After)."""
    body, boundary = _multipart(_unique(data, n))
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    conn.request("POST", "/api/v1/photos", body, headers)
    resp = conn.getresponse()
    return resp.status, resp.read(), resp.getheader("Retry-After")


class _Uploader(threading.Thread):
    """Uploads non-stop on one keep-alive connection until ``stop`` (at most 1,000 photos)."""

    def __init__(self, port: int, token: str, data: bytes, first: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.token, self.data, self.first, self.stop = port, token, data, first, stop
        self.ok: list[float] = []
        self.errors = 0
        self.last_error = ""

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            for n in range(self.first, self.first + MAX_UPLOADS_PER_CLIENT):
                if self.stop.is_set():
                    break
                start = time.perf_counter()
                try:
                    status, reply, retry_after = _post_photo(conn, self.token, self.data, n)
                except (OSError, http.client.HTTPException) as exc:
                    self.errors += 1
                    self.last_error = repr(exc)
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                    continue
                if status == 201:
                    self.ok.append(time.perf_counter() - start)
                    continue
                self.errors += 1
                self.last_error = f"{status} {reply[:200]!r}"
                if status == 503:
                    self.stop.wait(min(5.0, float(retry_after or 1)))
        finally:
            conn.close()


def _probe(port: int, seconds: float) -> list[float]:
    """``GET /healthz`` latencies (ms) on one keep-alive connection, every 10 ms."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    try:
        while time.perf_counter() < deadline and len(latencies) < MAX_PROBES:
            start = time.perf_counter()
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                raise RuntimeError(f"/healthz answered {resp.status}")
            latencies.append((time.perf_counter() - start) * 1000)
            time.sleep(PROBE_INTERVAL_S)
    finally:
        conn.close()
    return latencies


def under_uploads(data: bytes, seconds: float = LOAD_SECONDS) -> dict[str, float]:
    """Start the real server and measure /healthz while 4 clients upload 12 MP photos."""
    from bench.intake_bench import _env, _run_cli, citizen_token, serve

    with tempfile.TemporaryDirectory(prefix="hotline-photo-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = _env(tmp)
        env.update({k: v for k, v in os.environ.items() if k.startswith("HOTLINE_PHOTO_")})
        _run_cli(["migrate"], env, tmp)
        _run_cli(["seed-demo"], env, tmp)
        with serve(env, tmp, tmp / "server.log") as (base, _pid):
            port = int(base.rsplit(":", 1)[1])
            token = citizen_token(base, env, tmp)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:  # one upload first: checks the route and starts the worker pool
                status, reply, _ = _post_photo(conn, token, data, 0)
            finally:
                conn.close()
            if status != 201:
                raise RuntimeError(f"POST /api/v1/photos answered {status}: {reply[:500]!r}")
            idle = _probe(port, 1.0)
            stop = threading.Event()
            uploaders = [
                _Uploader(port, token, data, 1 + i * MAX_UPLOADS_PER_CLIENT, stop)
                for i in range(UPLOAD_CLIENTS)
            ]
            for u in uploaders:
                u.start()
            time.sleep(0.5)  # let every client get its first upload in flight
            started = time.perf_counter()
            latencies = _probe(port, seconds)
            elapsed = time.perf_counter() - started
            stop.set()
            for u in uploaders:
                u.join(timeout=120)
    uploads = [t for u in uploaders for t in u.ok]
    errors = sum(u.errors for u in uploaders)
    if errors:
        last = next(u.last_error for u in uploaders if u.last_error)
        print(f"# photo uploads: {errors} errors, last: {last}", file=sys.stderr)
    print(f"# healthz idle p99 {_pct(idle, 99):.2f} ms", file=sys.stderr)
    return {
        "healthz_p99_ms_during_uploads": round(_pct(latencies, 99), 2),
        "healthz_p50_ms_during_uploads": round(_pct(latencies, 50), 2),
        "healthz_probes_during_uploads": float(len(latencies)),
        "photo_uploads_per_s": round(len(uploads) / elapsed, 2),
        "photo_upload_p50_ms": round(_pct(uploads, 50) * 1000, 1),
        "photo_upload_errors": float(errors),
    }


def into_s3(data: bytes, runs: int = RUNS) -> dict[str, float]:
    """Both variants of ``data`` into the S3 fake through the production backend."""
    try:
        from tests.fakes.s3 import FakeS3
    except ImportError:  # moto is a dev dependency
        print("# photo_s3_*: skipped (moto not installed)", file=sys.stderr)
        return {}
    from hotline.settings import Settings
    from media import PhotoLimits, content_key, process_photo
    from media.s3 import S3Storage

    fake = FakeS3().start()
    try:
        storage = S3Storage.from_settings(Settings.model_validate(fake.settings()))
        processed = process_photo(data, PhotoLimits())
        files = [(content_key(v), v) for v in (processed.display, processed.thumb)]

        def put(_: bytes) -> None:
            for key, blob in files:
                storage.put(key, blob, processed.output_content_type)

        medians = _timings({"put": put}, data, runs)
        if len(fake.objects()) != 2:
            raise RuntimeError("the S3 fake does not hold the two variants")
        storage.close()
    finally:
        fake.stop()
    ingest = _timings({"ingest": lambda d: process_photo(d, PhotoLimits())}, data, runs)["ingest"]
    return {
        "photo_s3_put_ms": round(medians["put"], 2),
        "photo_s3_ingest_ms": round(ingest + medians["put"], 2),
    }


def run(runs: int = RUNS, server: bool = True, s3: bool = True) -> dict[str, float]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.media.fixtures import make_phone_jpeg

    data = make_phone_jpeg(4032, 3024, min_bytes=MIN_BYTES, max_bytes=MAX_BYTES)
    assert MIN_BYTES <= len(data) <= MAX_BYTES, len(data)
    with Image.open(BytesIO(data)) as im:
        assert im.size == (4032, 3024)
    results = _pipeline(data, runs)
    if s3:
        results |= into_s3(data, runs)
    if server:
        results |= under_uploads(data)
    return results


_UNITS = UNITS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-server", action="store_true", help="pipeline figures only")
    parser.add_argument("--no-s3", action="store_true", help="skip the object-store figures")
    args = parser.parse_args(argv)
    for name, value in run(server=not args.no_server, s3=not args.no_s3).items():
        unit = UNITS.get(name, "")
        shown: Any = int(value) if unit == "count" else value
        print(f"{name}: {shown} {unit}".rstrip())


if __name__ == "__main__":
    main()
