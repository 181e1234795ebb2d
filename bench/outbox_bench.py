"""Outbox benchmark: SMS rows drained through the real SMS channel, next to plain HTTP requests.

In a temporary directory (SQLite, as ``make serve`` runs; ``BENCH_DATABASE_URL`` for another
database) it migrates a database, writes ``BENCH_OUTBOX_ROWS`` (10,000) ``case_received`` SMS rows
as ``notify.outbox.enqueue`` writes them, starts the fake Aliyun SMS server
(``tests/fakes/aliyun_sms.py``, HTTPS with a throwaway CA, signature checks on) in its own
process, and measures:

- ``raw_http_per_s``: the same number of plain HTTPS POSTs (``requests``, one keep-alive session
  per thread) to the same server's ``/_fake/ping``, from a thread pool of the worker's SMS pool
  size (``BENCH_OUTBOX_POOL``, 32);
- ``outbox_drain_per_s``: ``notify.worker.Worker`` draining every row — claim, decrypt, render,
  route, the SDK's SendSmsRequest signed and sent over HTTPS from the event loop
  (``notify/aliyun_rpc.py``, as many connections as the thread pool above),
  record the results — until none is left; every row must end ``sent`` and the fake must have
  accepted each OutId exactly once;
- ``outbox_to_raw_ratio``: drain / raw. Targets: ratio >= 0.5, drain >= 500 messages/s.

Run: ``.venv/bin/python -m bench.outbox_bench`` (or ``make bench``).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench.fakes import fake_server  # noqa: E402

ROWS = int(os.environ.get("BENCH_OUTBOX_ROWS", "10000"))
POOL = int(os.environ.get("BENCH_OUTBOX_POOL", "32"))
TARGETS = {"outbox_drain_per_s": 500.0, "outbox_to_raw_ratio": 0.5}
UNITS = {
    "outbox_drain_per_s": "msg/s",
    "raw_http_per_s": "req/s",
    "outbox_to_raw_ratio": "x",
    "outbox_rows": "count",
    "outbox_duplicates": "count",
}
# a body the size of a SendSms request, so both loads move the same bytes
PING_BODY = {"Action": "Ping", "PhoneNumbers": "13800000000", "Padding": "x" * 560}


def _numbered(start: int) -> Callable[[int], str]:
    """Distinct phone numbers for the rows of one batch."""
    return lambda i: f"138{start + i:08d}"


def raw_http(url: str, ca: str, total: int, pool: int) -> float:
    """Plain HTTPS POSTs from ``pool`` threads, each with its own keep-alive session."""
    counter = iter(range(total))
    lock = threading.Lock()
    errors: list[str] = []

    def loop() -> None:
        session = requests.Session()
        while True:
            with lock:
                if next(counter, None) is None:
                    break
            r = session.post(f"{url}/_fake/ping", data=PING_BODY, verify=ca, timeout=10)
            if r.status_code != 200:
                errors.append(str(r.status_code))
        session.close()

    threads = [threading.Thread(target=loop) for _ in range(pool)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} raw requests failed: {errors[:3]}")
    return total / elapsed


async def drain(settings: Any, total: int) -> tuple[float, int]:
    from hotline import db
    from models.outbox import OutboxMessage
    from notify.worker import Worker
    from tests.notify.support import add_rows

    await db.migrate(settings)
    await db.init_db(settings)
    try:
        await OutboxMessage.all().delete()
        for start in range(0, total, 2000):
            await add_rows(min(2000, total - start), phone=_numbered(start))
        worker = Worker(settings)
        started = time.perf_counter()
        while await OutboxMessage.filter(status__in=("pending", "sending")).exists():
            await worker.drain()
        elapsed = time.perf_counter() - started
        await worker.close()
        sent = await OutboxMessage.filter(status="sent").count()
        if sent != total:
            raise RuntimeError(f"only {sent} of {total} rows were sent")
        return total / elapsed, sent
    finally:
        await db.close_db()


def run() -> dict[str, float]:
    from hotline import settings as settings_mod
    from hotline.settings import Settings
    from notify.templates import TEMPLATES
    from tests.fakes.tls import make_tls

    work = Path(tempfile.mkdtemp(prefix="hotline-outbox-bench-"))
    tls = make_tls(work / "tls")
    previous = settings_mod._current
    with fake_server("tests.fakes.aliyun_sms", work / "fake-sms.log", tls=tls,
                     what="the fake SMS server") as url:
        try:
            settings = Settings(
                env="test", var_dir=work, database_url=os.environ.get("BENCH_DATABASE_URL", ""),
                secret_key="bench-secret-key-0123456789abcdef",
                data_key="bench-data-key-0123456789",
                sms_access_key_id="test-ak", sms_access_key_secret="test-secret",
                sms_sign_name="浙江12345", sms_endpoint=url, sms_ca_bundle=str(tls.ca),
                sms_template_codes={name: f"SMS_{100000 + i}" for i, name in enumerate(TEMPLATES)},
                sms_pool_size=POOL, outbox_concurrency=POOL * 2, outbox_batch_size=POOL * 4,
                quiet_hours_start="00:00", quiet_hours_end="00:00",
            )
            settings_mod.configure(settings)
            raw = raw_http(url, str(tls.ca), ROWS, POOL)
            drain_rate, sent = asyncio.run(drain(settings, ROWS))
            stats = requests.get(f"{url}/_fake/stats", verify=str(tls.ca), timeout=5).json()
            if stats["duplicates"] or stats["messages"] != ROWS:
                raise RuntimeError(f"the fake saw {json.dumps(stats)}")
        finally:
            settings_mod._current = previous
    return {
        "outbox_drain_per_s": round(drain_rate, 1),
        "raw_http_per_s": round(raw, 1),
        "outbox_to_raw_ratio": round(drain_rate / raw, 3),
        "outbox_rows": float(sent),
        "outbox_duplicates": float(stats["duplicates"]),
    }


if __name__ == "__main__":
    for name, value in run().items():
        unit = UNITS.get(name, "")
        shown = int(value) if unit == "count" else value
        print(f"{name}: {shown} {unit}".rstrip())
