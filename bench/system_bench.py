"""The whole system under load: cases acknowledged AND their "received" SMS sent.

As production runs it on one box: ``hotline serve`` with its in-process workers
(``HOTLINE_RUN_WORKERS=true``), the SMS channel configured (the SDK's requests, sent from the
event loop by ``notify/aliyun_rpc.py``)
against the fake Aliyun gateway (``tests/fakes/aliyun_sms.py``, a real HTTP server checking
signatures) in its own process. wrk posts cases with 32 connections for 30 s while a sampler reads
the outbox every second (``count(*)`` and ``min(created_at)`` of the rows not yet sent). Figures:

- ``system_intake_rps``: cases acknowledged per second, counted only as far as their SMS kept
  up — min(acknowledged/s, SMS accepted by the gateway/s) over the run;
- ``system_outbox_max_lag_s``: the oldest unsent row's age at its worst during the run;
- ``system_outbox_backlog_end``: unsent rows when the load stops, and
  ``system_outbox_drain_s``: how long they then took to go;
- ``system_server_cpu_ms_per_case``: CPU time (``/proc``, user + system, every thread) of the
  server's processes — API and in-process workers, all of them with ``--workers 2`` — from the
  load's start until the outbox is drained, per acknowledged case; on PostgreSQL (local) also
  ``system_db_cpu_ms_per_case``, the bench database's backends. The box is shared: compare
  code by these, not by req/s; ``system_load_average`` (1 min, when the load stops) says how
  busy it was.

Runs on SQLite with one process, then (when PostgreSQL answers at ``BENCH_POSTGRES_URL``,
default ``postgres://postgres@127.0.0.1:5432/postgres``; a scratch database is created and
dropped) on PostgreSQL with ``--workers 2``, also without workers (plain intake) for the
comparison with the SQLite intake figure. Target: system_intake_rps >= 1,000 with the outbox at
most a few seconds behind.

Run: ``.venv/bin/python -m bench system``; BENCH_SYSTEM_DURATION_S overrides the 30 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import proc  # noqa: E402
from bench.intake_bench import (  # noqa: E402
    CASE_BODY,
    PHONE,
    _env,
    _request,
    _run_cli,
    serve,
)
from bench.loadgen import run_load  # noqa: E402

DURATION_S = int(os.environ.get("BENCH_SYSTEM_DURATION_S", "30"))
CONNECTIONS = 32
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TARGET_RPS = 1000.0
TARGET_LAG_S = 5.0
UNITS = {
    "system_intake_rps": "req/s",
    "system_acknowledged_rps": "req/s",
    "system_sms_rps": "msg/s",
    "system_outbox_max_lag_s": "s",
    "system_outbox_backlog_end": "count",
    "system_outbox_drain_s": "s",
    "system_non2xx": "count",
    "system_server_cpu_ms_per_case": "ms",
    "system_db_cpu_ms_per_case": "ms",
    "system_load_average": "",
    "pg_w2_system_intake_rps": "req/s",
    "pg_w2_system_acknowledged_rps": "req/s",
    "pg_w2_system_sms_rps": "msg/s",
    "pg_w2_system_outbox_max_lag_s": "s",
    "pg_w2_system_outbox_backlog_end": "count",
    "pg_w2_system_outbox_drain_s": "s",
    "pg_w2_system_non2xx": "count",
    "pg_w2_system_server_cpu_ms_per_case": "ms",
    "pg_w2_system_db_cpu_ms_per_case": "ms",
    "pg_w2_system_load_average": "",
    "pg_w2_intake_rps": "req/s",
    "pg_w2_intake_p99_ms": "ms",
}
UNSENT = (
    "SELECT count(*), min(created_at) FROM outbox_message "
    "WHERE status IN ('pending', 'sending')"
)

# the newest login code, with the server's settings (SQLite or PostgreSQL)
_CODE = r"""
import asyncio, json
from hotline import db, settings
from hotline.crypto import decrypt
from tortoise.connection import get_connection
async def main():
    s = settings.configure()
    await db.init_db(s)
    rows = await get_connection("default").execute_query_dict(
        "SELECT params_enc FROM outbox_message WHERE template = 'login_code' "
        "ORDER BY id DESC LIMIT 1")
    print(json.loads(decrypt(rows[0]["params_enc"]))["code"])
    await db.close_db()
asyncio.run(main())
"""


def sms_env(env: dict[str, str], gateway: str) -> dict[str, str]:
    from notify.templates import TEMPLATES

    codes = {name: f"SMS_{100000 + i}" for i, name in enumerate(sorted(TEMPLATES))}
    return env | {
        "HOTLINE_RUN_WORKERS": "true",
        "HOTLINE_SMS_ACCESS_KEY_ID": "test-ak",
        "HOTLINE_SMS_ACCESS_KEY_SECRET": "test-secret",
        "HOTLINE_SMS_SIGN_NAME": "浙江12345",
        "HOTLINE_SMS_ENDPOINT": gateway,
        "HOTLINE_SMS_TEMPLATE_CODES": json.dumps(codes),
        "HOTLINE_SMS_CONNECT_TIMEOUT_S": "1",
        "HOTLINE_SMS_TIMEOUT_S": "3",
        # no quiet hours (21:00-08:00 China time holds citizens' SMS until morning)
        "HOTLINE_QUIET_HOURS_START": "00:00",
        "HOTLINE_QUIET_HOURS_END": "00:00",
    }


@contextlib.contextmanager
def fake_gateway(log_path: Path) -> Iterator[str]:
    """The fake Aliyun SMS gateway in its own process; yields its URL."""
    from bench.fakes import fake_server

    with fake_server("tests.fakes.aliyun_sms", log_path, what="fake gateway") as url:
        yield url


def gateway_stats(url: str) -> dict[str, Any]:
    # generous: right after the load the gateway is still busy with the worker's backlog
    with urllib.request.urlopen(url + "/_fake/stats", timeout=30) as resp:
        return dict(json.loads(resp.read()))


@contextlib.contextmanager
def pg_database(base_url: str) -> Iterator[str]:
    """A scratch database on the PostgreSQL server of ``base_url``, dropped afterwards."""
    import asyncpg

    name = f"hotline_bench_{secrets.token_hex(4)}"
    parsed = urlparse(base_url)
    admin = urlunparse(parsed._replace(scheme="postgresql", path="/postgres"))

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield urlunparse(parsed._replace(scheme="postgres", path=f"/{name}"))
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def pg_reachable(url: str) -> bool:
    import asyncpg

    async def ping() -> None:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1), timeout=3)
        await conn.close()

    try:
        asyncio.run(ping())
    except Exception:  # noqa: BLE001 - no server: the PostgreSQL figures are skipped
        return False
    return True


def _parse_when(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    when = datetime.fromisoformat(str(value))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class Outbox:
    """Reads the outbox's unsent rows straight from the database (sqlite3 or asyncpg)."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url

    def unsent(self) -> tuple[int, float]:
        """(unsent rows, age in seconds of the oldest)."""
        if self.url.startswith("sqlite://"):
            path = self.url.removeprefix("sqlite://").split("?")[0]
            db = sqlite3.connect(path, timeout=10)
            try:
                count, oldest = db.execute(UNSENT).fetchone()
            finally:
                db.close()
        else:
            count, oldest = asyncio.run(self._pg())
        when = _parse_when(oldest)
        age = (datetime.now(UTC) - when).total_seconds() if when else 0.0
        return int(count), max(0.0, age)

    async def _pg(self) -> tuple[int, Any]:
        import asyncpg

        conn = await asyncpg.connect(self.url.replace("postgres://", "postgresql://", 1))
        try:
            row = await conn.fetchrow(UNSENT)
        finally:
            await conn.close()
        return row[0], row[1]


class Sampler(threading.Thread):
    """The outbox's worst lag, sampled every second while the load runs."""

    def __init__(self, outbox: Outbox) -> None:
        super().__init__(daemon=True)
        self.outbox = outbox
        self.stop = threading.Event()
        self.max_lag = 0.0
        self.max_backlog = 0

    def run(self) -> None:
        while not self.stop.wait(1.0):
            with contextlib.suppress(Exception):
                count, lag = self.outbox.unsent()
                self.max_lag = max(self.max_lag, lag)
                self.max_backlog = max(self.max_backlog, count)


def citizen_token(base: str, env: dict[str, str], cwd: Path, phone: str = PHONE) -> str:
    status, reply = _request(base, "POST", "/api/v1/auth/sms-code", {"phone": phone})
    if status != 202:
        raise RuntimeError(f"sms-code answered {status}: {reply}")
    code = subprocess.run(
        [sys.executable, "-c", _CODE], env=env, cwd=cwd, capture_output=True, text=True,
        timeout=60, check=True,
    ).stdout.strip()
    status, reply = _request(base, "POST", "/api/v1/auth/sms-login", {"phone": phone, "code": code})
    if status != 200:
        raise RuntimeError(f"sms-login answered {status}: {reply}")
    return str(reply["access_token"])


def system_run(
    env: dict[str, str], tmp: Path, gateway: str, extra: tuple[str, ...], duration_s: int
) -> dict[str, float]:
    outbox = Outbox(env["HOTLINE_DATABASE_URL"])
    with serve(env, tmp, tmp / "server.log", extra) as (base, pid):
        headers = {"Authorization": f"Bearer {citizen_token(base, env, tmp)}",
                   "Content-Type": "application/json"}
        body = json.dumps(CASE_BODY, ensure_ascii=False).encode()
        kw: dict[str, Any] = {"method": "POST", "headers": headers, "body": body}
        run_load(base + "/api/v1/cases", connections=CONNECTIONS, duration_s=2, **kw)  # warm-up
        drain(outbox, 60)
        sent_before = gateway_stats(gateway)["messages"]
        server = proc.tree(pid)  # the API process(es) with their in-process workers
        db = [] if outbox.url.startswith("sqlite://") else proc.pg_backends(outbox.url)
        cpu_before = (proc.cpu_s(server), proc.cpu_s(db))
        sampler = Sampler(outbox)
        sampler.start()
        load = run_load(base + "/api/v1/cases", connections=CONNECTIONS, duration_s=duration_s,
                        **kw)
        sent_during = gateway_stats(gateway)["messages"] - sent_before
        backlog, lag = outbox.unsent()
        load_average = os.getloadavg()[0]
        sampler.stop.set()
        sampler.join()
        started = time.monotonic()
        drained = drain(outbox, 120)
        drain_s = time.monotonic() - started if drained else float("nan")
        # from the load's start to the last SMS sent: the whole cost of each acknowledged case
        cpu_ms = [(proc.cpu_s(p) - b) * 1000 / max(1, load.requests)
                  for p, b in zip((server, db), cpu_before, strict=True)]
    sms_rps = sent_during / load.duration_s
    return {
        "system_intake_rps": round(min(load.rps, sms_rps), 1),
        "system_acknowledged_rps": round(load.rps, 1),
        "system_sms_rps": round(sms_rps, 1),
        "system_outbox_max_lag_s": round(max(sampler.max_lag, lag), 2),
        "system_outbox_backlog_end": float(backlog),
        "system_outbox_drain_s": round(drain_s, 1),
        "system_non2xx": float(load.non2xx + load.socket_errors),
        "system_server_cpu_ms_per_case": round(cpu_ms[0], 3),
        **({"system_db_cpu_ms_per_case": round(cpu_ms[1], 3)} if db else {}),
        "system_load_average": round(load_average, 2),
    }


def drain(outbox: Outbox, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while outbox.unsent()[0]:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)
    return True


def _prepared(env: dict[str, str], tmp: Path) -> None:
    _run_cli(["migrate"], env, tmp)
    _run_cli(["seed-demo"], env, tmp)


def run(duration_s: int = DURATION_S) -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="hotline-system-") as tmp_name:
        tmp = Path(tmp_name)
        with fake_gateway(tmp / "gateway.log") as gateway:
            env = sms_env(_env(tmp), gateway)
            _prepared(env, tmp)
            results |= system_run(env, tmp, gateway, (), duration_s)
            if pg_reachable(PG_URL):
                with pg_database(PG_URL) as url:
                    # OutIds unique across both runs (the gateway keeps messages by OutId)
                    pg_env = env | {"HOTLINE_DATABASE_URL": url, "HOTLINE_SMS_OUT_ID_PREFIX": "pg"}
                    _prepared(pg_env, tmp)
                    pg = system_run(pg_env, tmp, gateway, ("--workers", "2"), duration_s)
                    results |= {f"pg_w2_{k}": v for k, v in pg.items()}
                    results |= pg_intake(pg_env | {"HOTLINE_RUN_WORKERS": "false"}, tmp)
            else:
                print(f"# PostgreSQL not reachable at {PG_URL}: skipped", file=sys.stderr)
    for name in ("system_intake_rps", "pg_w2_system_intake_rps"):
        if name in results:
            lag = results[name.replace("intake_rps", "outbox_max_lag_s")]
            ok = results[name] >= TARGET_RPS and lag <= TARGET_LAG_S
            print(f"# target {name} >= {TARGET_RPS:.0f} with lag <= {TARGET_LAG_S:.0f} s: "
                  f"{'met' if ok else 'MISSED'} ({results[name]}, lag {lag} s)", file=sys.stderr)
    return results


def pg_intake(env: dict[str, str], tmp: Path) -> dict[str, float]:
    """Plain intake (workers off, as bench/intake_bench.py) on PostgreSQL with 2 processes."""
    with serve(env, tmp, tmp / "server-intake.log", ("--workers", "2")) as (base, _):
        headers = {"Authorization": f"Bearer {citizen_token(base, env, tmp, '13900139001')}",
                   "Content-Type": "application/json"}
        body = json.dumps(CASE_BODY, ensure_ascii=False).encode()
        kw: dict[str, Any] = {"method": "POST", "headers": headers, "body": body}
        run_load(base + "/api/v1/cases", connections=CONNECTIONS, duration_s=2, **kw)
        load = run_load(base + "/api/v1/cases", connections=CONNECTIONS, duration_s=10, **kw)
    return {"pg_w2_intake_rps": round(load.rps, 1), "pg_w2_intake_p99_ms": round(load.p99_ms, 2)}


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value} {UNITS.get(key, '')}".rstrip())
