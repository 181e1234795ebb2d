"""Published results benchmark: the public case pages over 1,000,000 cases, 100,000 published.

The database is built as ``bench.casework_bench`` builds it (migrated, seeded, 1,000,000 cases
written in bulk: BENCH_CASES), then 100,000 of its answered cases (BENCH_PUBLISHED) get a
publication row (redacted texts, a street-level place, a region among Hangzhou's and Ningbo's
districts). Figures, p95 after a warm-up, of ``publishing.public.page`` — the whole JSON reply
of ``GET /public/cases`` but for HTTP (the read through ``publishing.queries``, the cursor, the
shaping) — over a mix of: the newest page, a category, a region with its districts, a
category and a period, status ``open``, and the next page by cursor:

* ``public_cases_page_p95_ms`` (target <= 20);
* ``public_case_one_p95_ms``: ``GET /public/cases/{public_id}`` (case with its timeline);
* ``public_cases_page_cpu_p95_ms``: the same pages' CPU time (``time.thread_time``: SQLite
  reads on this thread, see ``hotline.sqlread``), which other processes' load on the box does
  not inflate as it does the wall-clock figure (PostgreSQL's own work is not in it).

With HOTLINE_BENCH_POSTGRES_URL set the same runs against PostgreSQL (``pg_`` prefix).
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import casework_bench as cb  # noqa: E402

N = cb.N
DEBUG = bool(os.environ.get("BENCH_DEBUG"))
PUBLISHED = int(os.environ.get("BENCH_PUBLISHED", str(max(1, N // 10))))
UNITS = {"cases": "count", "published": "count", "load_s": "s",
         "public_cases_page_p95_ms": "ms", "public_cases_page_cpu_p95_ms": "ms",
         "public_case_one_p95_ms": "ms", "load_avg": ""}
UNITS |= {f"pg_{k}": v for k, v in UNITS.items()}
REGIONS = ["330102", "330105", "330106", "330108", "330110", "330203", "330205", "330212"]
PUB_COLUMNS = ["id", "public_id", "case_id", "kind", "category_code", "region_code",
               "unit_name", "place", "lat", "lng", "summary", "result", "photo_ids",
               "submitted_at", "published_at", "published_by", "closed", "city_code",
               "county_code"]
SUMMARY = "市民反映文三路某小区附近路灯不亮，夜间出行不便，联系人王某，电话〔电话〕。"
RESULT = "经查，系线路老化所致，已于次日更换线路并恢复照明，市民表示满意。"


def _publications(cases: list[tuple[Any, ...]], sql_text: bool) -> Iterator[tuple[Any, ...]]:
    from publishing.queries import region_levels

    rnd = random.Random(19)
    for i, (case_id, kind, category, created) in enumerate(cases, start=1):
        at, region = created, rnd.choice(REGIONS)
        # about 1 % reopened after publication: "open" again
        yield (i, f"{case_id:012x}", case_id, kind, category, region, "西湖区城管局",
               "杭州市西湖区文三路", 30.274, 120.155, SUMMARY, RESULT, "[]", at, at, 1,
               rnd.random() >= 0.01, *region_levels(region))


def _chosen_sqlite(con: sqlite3.Connection) -> list[tuple[Any, ...]]:
    step = max(1, N // (PUBLISHED * 6))
    rows = con.execute(
        'SELECT id, kind, category_id, created_at FROM "case" WHERE status IN '
        f"('replied', 'rated', 'closed') AND id % {step} = 0 ORDER BY id LIMIT {PUBLISHED}"
    ).fetchall()
    return [tuple(r) for r in rows]


def load_sqlite(path: Path, n: int, units: list[tuple[int, str]], root: str) -> None:
    cb.load_sqlite(path, n, units, root)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    marks = ",".join("?" * len(PUB_COLUMNS))
    con.executemany(f"INSERT INTO publication ({','.join(PUB_COLUMNS)}) VALUES ({marks})",
                    _publications(_chosen_sqlite(con), sql_text=True))
    con.execute("ANALYZE")
    con.commit()
    con.close()


async def load_postgres(url: str, n: int, units: list[tuple[int, str]], root: str) -> None:
    import asyncpg

    con = await asyncpg.connect(url)
    try:
        defs = await con.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'case' AND "
            "indexname NOT IN (SELECT conname FROM pg_constraint)")
        for d in defs:
            await con.execute(f'DROP INDEX "{d["indexname"]}"')
        await con.copy_records_to_table(
            "case", records=cb.generate(n, units, root, sql_text=False), columns=cb.COLUMNS)
        for sql in [d["indexdef"] for d in defs] + cb.extra_indexes():
            await con.execute(sql)
        step = max(1, n // (PUBLISHED * 6))
        chosen = await con.fetch(
            'SELECT id, kind, category_id, created_at FROM "case" WHERE status IN '
            f"('replied', 'rated', 'closed') AND id % {step} = 0 ORDER BY id LIMIT {PUBLISHED}")
        records = list(_publications([tuple(c) for c in chosen], sql_text=False))
        await con.copy_records_to_table("publication", records=records, columns=PUB_COLUMNS)
        await con.execute("ANALYZE")
    finally:
        await con.close()


async def measure() -> dict[str, float]:
    from publishing import public

    rnd = random.Random(7)
    mixes: list[dict[str, Any]] = []
    for _ in range(10):
        mixes += [
            {},
            {"category_code": rnd.choice(cb.CATEGORIES)},
            {"region_code": "330100"},
            {"region_code": "330000"},
            {"region_code": rnd.choice(REGIONS)},
            {"category_code": rnd.choice(cb.CATEGORIES), "from_": date(2026, 6, 1),
             "to": date(2026, 8, 31)},
            {"status": "open"},
        ]
    base = {"category_code": None, "region_code": None, "status": None, "from_": None,
            "to": None, "limit": 20, "cursor": None}
    times: list[float] = []
    cpu: list[float] = []
    ids: list[str] = []

    async def timed(args: dict[str, Any], kept: bool) -> dict[str, Any]:
        started, started_cpu = time.perf_counter(), time.thread_time()
        page = await public.page(**args)
        if kept:
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            if DEBUG and times[-1] > 10:
                print(f"# page {times[-1]:.1f} ms (CPU {cpu[-1]:.1f}) {args}", file=sys.stderr)
        return page

    for rounds in range(2):
        for mix in mixes:
            page = await timed(base | mix, bool(rounds))
            ids += [i["public_id"] for i in page["items"][:2]]
            if page["next_cursor"]:
                await timed(base | mix | {"cursor": page["next_cursor"]}, bool(rounds))
    one_times = []
    for rounds in range(2):
        for public_id in ids[:100]:
            started = time.perf_counter()
            await public.one(public_id)
            if rounds:
                one_times.append((time.perf_counter() - started) * 1000)
    return {"public_cases_page_p95_ms": cb.p95(times), "public_cases_page_cpu_p95_ms": cb.p95(cpu),
            "public_case_one_p95_ms": cb.p95(one_times), "load_avg": round(os.getloadavg()[0], 2)}


def run() -> dict[str, float]:
    """SQLite, then PostgreSQL if HOTLINE_BENCH_POSTGRES_URL is set, each in a fresh process."""
    counts: dict[str, float] = {"cases": N, "published": PUBLISHED}
    return cb.Backends(load_sqlite, load_postgres, measure, counts).run()


if __name__ == "__main__":
    started_at = datetime.now(UTC)
    for figure, value in run().items():
        print(f"{figure}: {value} {UNITS.get(figure, '')}".rstrip(), flush=True)
