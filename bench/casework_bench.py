"""Casework benchmark: the red queue, a sweeper pass and a month's statistics over 1,000,000 cases.

A temporary SQLite database is migrated (``hotline.db.migrate``) and seeded
(``launch.seed.seed_reference_data`` and the working calendar), then BENCH_CASES (default
1,000,000) cases spread over the demo units, a year of intake, every status and the three
procedures are written with raw multi-row INSERTs through ``sqlite3`` (the case table's indexes
dropped during the load and rebuilt after). The steady state is then set up: every reminder due
at T0 is recorded as already sent. Figures, with T0 = Wednesday 2026-11-18 10:30 Asia/Shanghai:

* ``queue_red_p50_ms`` — the busiest unit's red queue, first page of 20 (``casework.queues``);
* ``sweeper_pass_s`` — one ``casework.sweeper.sweep`` in which 1 % of the cases changed colour
  (4,000 missed their sign deadline, 1,000 their completion deadline the day before — red and
  督办 — and 5,000 turned yellow);
* ``stats_month_ms`` — ``casework.stats.compute`` for October 2026 over the whole province.

Targets: <= 20 ms, <= 2 s, <= 1 s. With HOTLINE_BENCH_POSTGRES_URL set the same runs against a
temporary PostgreSQL database filled with COPY (asyncpg); figures get a ``pg_`` prefix.
BENCH_EXTRA_INDEXES="warn_at" adds ``CREATE INDEX ... ON "case" (warn_at)`` to try an index.
Run: ``.venv/bin/python -m bench.casework_bench`` (or ``make bench``).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

N = int(os.environ.get("BENCH_CASES", "1000000"))
T0 = datetime(2026, 11, 18, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai, a Wednesday
DAY, H8 = 86400, 8 * 3600
UNITS = {
    "cases": "count", "load_s": "s", "queue_red_p50_ms": "ms", "sweeper_pass_s": "s",
    "sweeper_changed": "count", "sweeper_messages": "count", "stats_month_ms": "ms",
}
UNITS |= {f"pg_{k}": v for k, v in UNITS.items()}
CHANNELS = ["phone"] * 55 + ["app"] * 15 + ["wechat_mini"] * 15 + ["web"] * 5 + [
    "wechat_oa"] * 4 + ["kiosk"] * 2 + ["letter"] * 2 + ["visit"] * 2
KINDS = ["complaint"] * 4 + ["consultation"] * 3 + ["help", "report", "suggestion"]
CATEGORIES = ["ENV-NOISE", "ENV-AIR", "TRAFFIC-ROAD", "MARKET-FOOD", "MARKET-PRICE",
              "SOCIAL-INSURANCE", "SOCIAL-WAGE", "GENERAL-POLICY"]
# procedure -> (complete after N days, yellow window days, notice after N days)
PROCEDURES = {"simple": (9, 2, 0), "normal": (30, 6, 7), "petition": (60, 12, 15)}
HANDLING_OPEN = ["signed"] * 6 + ["noticed"] * 3 + ["extension_requested", "reopened"]
COLUMNS = [
    "id", "tracking_no", "query_code_hash", "kind", "category_id", "channel", "status",
    "procedure", "title", "content", "anonymous", "confidential", "public", "unit_id",
    "unit_path", "photo_ids", "flags", "created_at", "updated_at", "due_dispatch", "due_sign",
    "due_transfer", "due_notice", "due_complete", "next_due_kind", "next_due_at", "warn_at",
    "provisional_deadline", "met", "due_meta", "co_unit_ids", "dispatched_at", "signed_at",
    "replied_at", "closed_at", "reply_public", "reply_round", "rating", "extension_days",
    "returned_count", "reopened_count", "completed_on_time", "close_reason", "last_event_hash",
    "event_count",
]


def _eod(epoch: int, days: int) -> int:
    """23:59:59 Shanghai time of the ``days``-th day after the local day of ``epoch``."""
    return ((epoch + H8) // DAY + days + 1) * DAY - H8 - 1


def generate(n: int, units: list[tuple[int, str]], root: str, sql_text: bool) -> Iterator[tuple]:
    """Cases as tuples in COLUMNS order; times as ISO text (SQLite) or datetimes (asyncpg)."""
    rnd = random.Random(12345)
    r = rnd.random
    t0 = int(T0.timestamp())
    span = 365 * DAY / n  # a year of intake
    cum = [i + 1 + 7 * (i // 5 + 1) for i in range(len(units))]  # every 5th unit is busy
    days_text: dict[int, str] = {}

    def day_text(e: int) -> str:
        d = (e + H8) // DAY
        if d not in days_text:
            days_text[d] = datetime.fromtimestamp(d * DAY, UTC).strftime("%Y%m%d")
        return days_text[d]

    def ts(e: int | None) -> Any:
        if e is None:
            return None
        dt = datetime.fromtimestamp(e, UTC)
        return dt.isoformat(" ") if sql_text else dt

    for i in range(1, n + 1):
        created = t0 - int((n - i + r()) * span)  # ids follow intake order, as in production
        age = (t0 - created) / DAY
        proc = "simple" if r() < 0.42 else "normal" if r() < 0.9 else "petition"
        days, window, notice_days = PROCEDURES[proc]
        complete = _eod(created, days)
        warn = complete - window * DAY + 1
        dispatch_due = _eod(created, 0)
        dispatched = created + int(r() * 8 * 3600) + 600
        u = r()
        status, unit, met, kind_due, due, warn_due = "closed", None, "[]", None, None, None
        replied = closed = rating = on_time = reason = None
        frac = age / days
        p_open = 0.85 if frac < 0.3 else 0.5 if frac < 0.8 else 0.2 if frac < 1 else (
            0.04 if frac < 2 else 0.004)
        if u < 0.015:
            status = "rejected"
        elif u < 0.025:
            status = "merged"
        elif u < 0.06:
            status, replied = "closed", created + 900
            on_time, reason, proc = True, "rated", "immediate"
        elif r() < p_open:
            if age < 0.3:
                status, kind_due, due, warn_due = "submitted", "dispatch", dispatch_due, (
                    dispatch_due - 31_000)
            elif age < 1.0 and r() < 0.5:
                status, kind_due, due = "dispatched", "sign", dispatched + 7200
                warn_due = due - 1440
            else:
                status, kind_due, due, warn_due = rnd.choice(HANDLING_OPEN), "complete", (
                    complete), warn
                met = '["dispatch","sign","transfer","notice"]'
        else:
            replied = max(created + 60, min(created + int((0.1 + r()) * days * DAY * 0.8), t0))
            on_time = replied <= complete
            status = "closed" if t0 - replied > 7 * DAY else ("rated" if r() < 0.6 else "replied")
            rating = rnd.choice((5, 5, 5, 5, 5, 4, 4, 3, 2, 1)) if r() < 0.75 else None
            if status == "closed":
                closed, reason = replied + 7 * DAY, "rated" if rating else "unrated"
            elif status == "replied":
                rating = None
        if status not in ("submitted", "rejected", "merged") and proc != "immediate":
            unit = rnd.choices(units, cum_weights=cum)[0]
        yield (
            i, f"{day_text(created)}-{i:07d}", "0" * 64,
            rnd.choice(KINDS), rnd.choice(CATEGORIES), rnd.choice(CHANNELS), status, proc, "",
            "（压测数据）路灯不亮，夜间出行不便。", False, False, False,
            unit[0] if unit else None, unit[1] if unit else root, "[]", "[]", ts(created),
            ts(created), ts(dispatch_due), ts(dispatched + 7200 if unit else None),
            ts(_eod(created, 5) if unit else None),
            ts(_eod(created, notice_days) if unit and notice_days else None),
            ts(complete if unit else None), kind_due, ts(due), ts(warn_due), False, met, "{}",
            "[]", ts(dispatched if unit else None), ts(dispatched + 3600 if unit else None),
            ts(replied), ts(closed), False, 1 if replied else 0, rating, 0,
            1 if r() < 0.03 and unit else 0, 1 if r() < 0.02 and replied else 0, on_time,
            reason, "", 0,
        )


def load_sqlite(path: Path, n: int, units: list[tuple[int, str]], root: str) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    indexes = [sql for (sql,) in con.execute(
        "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='case' AND sql NOT NULL")]
    for sql in indexes:
        con.execute(f"DROP INDEX {sql.split()[2]}")
    per = con.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(COLUMNS)
    marks = "(" + ",".join("?" * len(COLUMNS)) + ")"
    head = f'INSERT INTO "case" ({",".join(COLUMNS)}) VALUES '
    full = head + ",".join([marks] * per)
    batch: list[Any] = []
    rows = 0
    for row in generate(n, units, root, sql_text=True):
        batch.extend(row)
        rows += 1
        if rows == per:
            con.execute(full, batch)
            batch, rows = [], 0
    if rows:
        con.execute(head + ",".join([marks] * rows), batch)
    for sql in indexes + extra_indexes():
        con.execute(sql)
    con.commit()
    con.close()


def extra_indexes() -> list[str]:
    wanted = [c for c in os.environ.get("BENCH_EXTRA_INDEXES", "").split(",") if c.strip()]
    return [f'CREATE INDEX bench_case_{c} ON "case" ({c})' for c in wanted]


async def steady_state_and_changes() -> tuple[int, int, int]:
    """Mark every reminder due at T0 as sent, then move 1 % of the cases to a new colour."""
    from tortoise.connection import get_connection

    from casework.calendar_store import load_calendar
    from casework.queues import db_time
    from casework.sweeper import _STATES, supervise_threshold
    from hotline.db import dialect_sql

    conn = get_connection("default")
    t = lambda at: db_time(conn, at)  # noqa: E731
    threshold = supervise_threshold(await load_calendar(), T0)
    ins = "INSERT INTO case_alert (case_id, due_kind, due_at, colour, created_at) SELECT id, "
    opn = f"status IN ({_STATES['open']})"
    for sql, args in [
        (f"{ins} next_due_kind, next_due_at, 'red', ? FROM \"case\" WHERE next_due_at < ? "
         f"AND {opn}", [t(T0), t(T0)]),
        (f"{ins} next_due_kind, next_due_at, 'yellow', ? FROM \"case\" WHERE next_due_at >= ? "
         f"AND warn_at <= ? AND {opn}", [t(T0), t(T0), t(T0)]),
        (f"{ins} 'complete', due_complete, 'supervise', ? FROM \"case\" WHERE due_complete < ? "
         f"AND next_due_at < ? AND status IN ({_STATES['handling']})",
         [t(T0), t(threshold), t(threshold)]),
    ]:
        await conn.execute_query(dialect_sql(conn, sql), args)
    green = await conn.execute_query_dict(dialect_sql(
        conn, f"SELECT id FROM \"case\" WHERE next_due_at > ? AND warn_at > ? AND status IN "
        f"({_STATES['handling']}) ORDER BY id"), [t(T0 + timedelta(days=1)), t(T0)])
    n = min(N // 100, len(green))
    ids = random.Random(7).sample([r["id"] for r in green], n)
    yesterday_eod = T0.replace(hour=15, minute=59, second=59) - timedelta(days=1)
    sign, supervise, yellow = ids[: n * 4 // 10], ids[n * 4 // 10 : n // 2], ids[n // 2 :]
    await conn.execute_many(dialect_sql(
        conn, "UPDATE \"case\" SET status = 'dispatched', next_due_kind = 'sign', "
        "next_due_at = ?, warn_at = ? WHERE id = ?"),
        [[t(T0 - timedelta(minutes=1 + k % 600)), t(T0 - timedelta(hours=11)), i]
         for k, i in enumerate(sign)])
    await conn.execute_many(dialect_sql(
        conn, "UPDATE \"case\" SET next_due_kind = 'complete', next_due_at = ?, due_complete = ?"
        ", warn_at = ? WHERE id = ?"),
        [[t(yesterday_eod), t(yesterday_eod), t(yesterday_eod - timedelta(days=2)), i]
         for i in supervise])
    await conn.execute_many(dialect_sql(conn, "UPDATE \"case\" SET warn_at = ? WHERE id = ?"),
                            [[t(T0 - timedelta(minutes=1 + k % 600)), i]
                             for k, i in enumerate(yellow)])
    if conn.capabilities.dialect != "sqlite":  # steady state: autovacuum has seen the alerts
        await conn.execute_script("ANALYZE")
    return len(sign) + len(supervise), len(yellow), len(supervise)


async def measure() -> dict[str, float]:
    from tortoise.connection import get_connection

    from casework import queues, stats, sweeper
    from hotline.db import dialect_sql
    from identity.principal import Principal
    from models.org import Unit

    conn = get_connection("default")
    rows = await conn.execute_query_dict(dialect_sql(
        conn, "SELECT unit_path, COUNT(*) AS n FROM \"case\" WHERE next_due_at < ? "
        "GROUP BY unit_path ORDER BY n DESC LIMIT 3"), [queues.db_time(conn, T0)])
    busiest = next(r["unit_path"] for r in rows if r["unit_path"].count("/") > 2)
    unit = await Unit.get(path=busiest)
    handler = Principal(kind="staff", id=1, roles=frozenset({"handler"}), unit_id=unit.id,
                        unit_path=unit.path)
    times = []
    for _ in range(60):
        started = time.perf_counter()
        page = await queues.list_cases(handler, light="red", limit=20, now=T0)
        times.append((time.perf_counter() - started) * 1000)
    assert len(page["items"]) == 20, page
    expected = await steady_state_and_changes()
    started = time.perf_counter()
    result = await sweeper.sweep(now=T0)
    pass_s = time.perf_counter() - started
    assert (result.red, result.yellow, result.supervised) == expected, (result, expected)
    root = await Unit.get(parent_id=None)
    supervisor = Principal(kind="staff", id=2, roles=frozenset({"supervisor"}), unit_id=root.id,
                           unit_path=root.path)
    month = []
    for _ in range(5):
        started = time.perf_counter()
        figures = await stats.compute(supervisor, from_=date(2026, 10, 1), to=date(2026, 10, 31),
                                      now=T0)
        month.append((time.perf_counter() - started) * 1000)
    assert figures["received"] > 0
    return {
        "queue_red_p50_ms": round(statistics.median(times), 2),
        "sweeper_pass_s": round(pass_s, 3),
        "sweeper_changed": expected[0] + expected[1],
        "sweeper_messages": result.messages,
        "stats_month_ms": round(statistics.median(month), 1),
    }


def _settings(url: str, var: Path) -> Any:
    from hotline import settings as settings_mod
    from hotline.settings import Settings

    return settings_mod.configure(Settings(
        env="test", var_dir=var, database_url=url, run_workers=False,
        secret_key="bench-secret-key-0123456789abcdef", data_key="bench-data-key-0123456789abcdef",
    ))


async def _prepare(settings: Any) -> tuple[list[tuple[int, str]], str]:
    from casework.calendar_store import seed_from_chinese_calendar
    from hotline import db
    from launch.seed import seed_reference_data
    from models.org import Unit

    await db.migrate(settings)
    await db.close_db()
    await db.init_db(settings)
    await seed_reference_data()
    await seed_from_chinese_calendar()
    units = [(u.id, u.path) for u in await Unit.all().order_by("id") if u.kind != "platform"]
    root = (await Unit.get(parent_id=None)).path
    await db.close_db()
    return units, root


async def load_postgres(url: str, n: int, units: list[tuple[int, str]], root: str) -> None:
    """The cases by COPY, the case table's indexes dropped meanwhile and rebuilt after."""
    import asyncpg

    con = await asyncpg.connect(url)
    try:
        defs = await con.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'case' AND "
            "indexname NOT IN (SELECT conname FROM pg_constraint)")
        for d in defs:
            await con.execute(f'DROP INDEX "{d["indexname"]}"')
        rows = generate(n, units, root, sql_text=False)
        await con.copy_records_to_table("case", records=rows, columns=COLUMNS)
        for sql in [d["indexdef"] for d in defs] + extra_indexes():
            await con.execute(sql)
        await con.execute("SELECT setval(pg_get_serial_sequence('\"case\"', 'id'), "
                          "(SELECT max(id) FROM \"case\"))")
        await con.execute('ANALYZE "case"')
    finally:
        await con.close()


def p95(times: list[float]) -> float:
    times = sorted(times)
    return round(times[min(len(times) - 1, int(len(times) * 0.95))], 2)


@dataclass(frozen=True)
class Backends:
    """The runner of the benches over N generated cases (this one, ``search_bench``,
    ``public_bench``): per backend a temporary database, migrated and seeded (``_prepare``),
    loaded (``load_sqlite(path, N, units, root)`` or ``await load_postgres(url, N, units,
    root)``, timed as ``load_s``), then ``await measure()``; the figures are ``counts``,
    ``load_s`` and the measured ones, in that order."""

    load_sqlite: Callable[[Path, int, list[tuple[int, str]], str], None]
    load_postgres: Callable[[str, int, list[tuple[int, str]], str], Awaitable[None]]
    measure: Callable[[], Awaitable[dict[str, float]]]
    counts: dict[str, float] = field(default_factory=lambda: {"cases": N})

    async def _measured(self, settings: Any, load_s: float) -> dict[str, float]:
        from hotline import db

        await db.init_db(settings)
        try:
            return self.counts | {"load_s": round(load_s, 1)} | await self.measure()
        finally:
            await db.close_db()

    async def _sqlite(self, tmp: Path) -> dict[str, float]:
        settings = _settings(f"sqlite://{tmp / 'bench.sqlite3'}", tmp)
        units, root = await _prepare(settings)
        started = time.perf_counter()
        self.load_sqlite(tmp / "bench.sqlite3", N, units, root)
        return await self._measured(settings, time.perf_counter() - started)

    async def _postgres(self, base_url: str, tmp: Path) -> dict[str, float]:
        from hotline.db import scratch_database

        async with scratch_database(base_url, "hotline_bench") as url:
            settings = _settings(url, tmp)
            units, root = await _prepare(settings)
            started = time.perf_counter()
            await self.load_postgres(url, N, units, root)
            return await self._measured(settings, time.perf_counter() - started)

    def backend(self, name: str) -> dict[str, float]:
        with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
            if name == "sqlite":
                return asyncio.run(self._sqlite(Path(tmp)))
            return asyncio.run(self._postgres(os.environ["HOTLINE_BENCH_POSTGRES_URL"], Path(tmp)))

    def run(self) -> dict[str, float]:
        """SQLite, then PostgreSQL if HOTLINE_BENCH_POSTGRES_URL is set: each in a fresh process
        (the ORM keeps per-dialect state that one process cannot switch); PostgreSQL's figures
        get a ``pg_`` prefix."""
        results: dict[str, float] = {}
        names = ["sqlite"] + (["postgres"] if os.environ.get("HOTLINE_BENCH_POSTGRES_URL") else [])
        for name in names:
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                figures = pool.submit(self.backend, name).result()
            results |= figures if name == "sqlite" else {f"pg_{k}": v for k, v in figures.items()}
        return results


def run() -> dict[str, float]:
    return Backends(load_sqlite, load_postgres, measure).run()


if __name__ == "__main__":
    for figure, value in run().items():
        print(f"{figure}: {value} {UNITS.get(figure, '')}".rstrip(), flush=True)
