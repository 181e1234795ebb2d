"""Rewards benchmark: the dedupe candidate search for one new report among 100,000 earlier ones.

A temporary SQLite database is migrated and seeded (reference data, the demo 五水共治
programme, one real-name citizen), then BENCH_REWARD_REPORTS (default 100,000) earlier
rewardable reports are written with raw ``INSERT ... SELECT`` over a recursive counter: the
cases (copies of one template case), their claims (three rewardable categories, the last 60
days, half of them within ~10 km of Hangzhou's centre and the rest over the province) and one
photo each (a random 64-bit dHash, its four 16-bit bands set by an UPDATE).

``reward_dedupe_p50_ms`` is the median time of ``rewards.eligibility.find_candidates`` — the
very search a unit's verified reply runs: merged reports, the same category within 200 m and
30 days (bounding box on the index ``(category_code, lat, lng)``), and photos within 3 bits
(equality on each band's index) — for BENCH_REWARD_PROBES (default 300) new reports placed
like the earlier ones, each with one photo, a third of them a near copy of an earlier photo.
Target: <= 20 ms. With HOTLINE_BENCH_POSTGRES_URL set it runs against a temporary PostgreSQL
database too (figures prefixed ``pg_``).

Run: ``.venv/bin/python -m bench.rewards_bench`` (or ``make bench``).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

N = int(os.environ.get("BENCH_REWARD_REPORTS", "100000"))
PROBES = int(os.environ.get("BENCH_REWARD_PROBES", "300"))
TARGET_MS = 20.0
CATEGORIES = ["ENV-WATER-V", "ENV-WATER-SEWAGE", "ENV-WATER-BLACK"]
UNITS = {
    "reward_dedupe_p50_ms": "ms",
    "reward_dedupe_p99_ms": "ms",
    "reward_dedupe_reports": "count",
    "reward_dedupe_candidates_avg": "count",
    "reward_dedupe_load_s": "s",
}
UNITS |= {f"pg_{k}": v for k, v in UNITS.items()}


def _fill_sql(dialect: str, n: int) -> tuple[list[str], str, str, str, str]:
    """Statements that copy the template case ``n`` times and give each a claim and a photo,
    and the SQL expressions of the copies' tracking number, position and category."""
    if dialect == "sqlite":
        numbers = (
            f"WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < {n})"
        )
        rnd = "((abs(random()) % 1000000) / 1000000.0)"
        tracking = "'B' || printf('%09d', x)"
        ago = (
            "strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (abs(random()) % 5184000) || ' seconds')"
            " || '+00:00'"
        )
        dhash = "random()"
        cnt = "cnt"
    else:
        numbers = ""
        rnd = "random()"
        tracking = "'B' || lpad(x::text, 9, '0')"
        ago = "now() - random() * interval '60 days'"
        dhash = "('x' || substr(md5(random()::text), 1, 16))::bit(64)::bigint"
        cnt = f"generate_series(1, {n}) AS cnt(x)"
    near = "(x % 2 = 0)"
    lat = f"CASE WHEN {near} THEN 30.27 + ({rnd} - 0.5) * 0.18 ELSE 27.2 + {rnd} * 3.9 END"
    lng = f"CASE WHEN {near} THEN 120.15 + ({rnd} - 0.5) * 0.2 ELSE 118.1 + {rnd} * 4.6 END"
    cats = "CASE x % 3 " + " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(CATEGORIES))
    return [
        f"""{numbers} INSERT INTO "case" ({{cols}}) SELECT {{exprs}} FROM {cnt}, "case" t
            WHERE t.tracking_no = 'TEMPLATE'""",
        f"""INSERT INTO reward_claim (case_id, program_id, citizen_id, status, reason,
            group_case_id, category_code, lat, lng, reported_at, flags, flagged, verified,
            last_audit_hash, audit_count, created_at, updated_at)
            SELECT c.id, {{program}}, {{citizen}}, 'eligible', '', c.id, c.category_id, c.lat,
            c.lng, {ago}, '[]', {{false}}, {{true}}, '', 0, c.created_at, c.created_at
            FROM "case" c WHERE c.tracking_no LIKE 'B%'""",
        f"""INSERT INTO reward_photo (claim_id, photo_id, sha256, dhash, band0, band1, band2,
            band3) SELECT id, id, 'bench', {dhash}, 0, 0, 0, 0 FROM reward_claim""",
        """UPDATE reward_photo SET band0 = (dhash >> 48) & 65535, band1 = (dhash >> 32) & 65535,
            band2 = (dhash >> 16) & 65535, band3 = dhash & 65535""",
        "ANALYZE",
    ], lat, lng, tracking, cats


async def _columns(conn: Any, dialect: str) -> list[str]:
    if dialect == "sqlite":
        rows = await conn.execute_query_dict('PRAGMA table_info("case")')
        return [r["name"] for r in rows]
    rows = await conn.execute_query_dict(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'case' "
        "ORDER BY ordinal_position"
    )
    return [r["column_name"] for r in rows]


async def _load(n: int) -> tuple[int, int]:
    from tortoise.connection import get_connection

    from hotline.crypto import encrypt, lookup_hash
    from launch.seed import seed_reference_data
    from models.case import Case
    from models.citizen import Citizen
    from models.org import Unit
    from rewards.programs import seed_demo_program

    await seed_reference_data()
    program = await seed_demo_program()
    citizen = await Citizen.create(
        phone_enc=encrypt("13800000000"),
        phone_hash=lookup_hash("13800000000"),
        real_name_verified=True,
    )
    root = await Unit.filter(parent_id=None).first()
    assert root is not None
    await Case.create(
        tracking_no="TEMPLATE", query_code_hash="x", kind="report", category_id=CATEGORIES[0],
        channel="app", content="河道水体发黑发臭。", citizen_id=citizen.id, unit_path=root.path,
        flags=["reward_claim"], created_at=datetime.now(UTC),
    )
    conn = get_connection("default")
    dialect = conn.capabilities.dialect
    statements, lat, lng, tracking, cats = _fill_sql(dialect, n)
    cols = [c for c in await _columns(conn, dialect) if c != "id"]
    special = {"tracking_no": tracking, "lat": lat, "lng": lng, "category_id": cats + " END"}
    exprs = [special.get(c, f't."{c}"') for c in cols]
    values = {
        "cols": ", ".join(f'"{c}"' for c in cols),
        "exprs": ", ".join(exprs),
        "program": str(program.id),
        "citizen": str(citizen.id),
        "false": "0" if dialect == "sqlite" else "false",
        "true": "1" if dialect == "sqlite" else "true",
    }
    for sql in statements:
        await conn.execute_script(sql.format(**values))
    return program.id, citizen.id


async def _new_reports(program_id: int, citizen_id: int, probes: int) -> list[Any]:
    """New reports (case, claim, photo) placed like the earlier ones; a third reuse a photo."""
    from hotline.db import flat_values
    from models.case import Case
    from models.reward import RewardClaim, RewardPhoto
    from rewards import dedupe

    rnd = random.Random(2026)
    template = await Case.get(tracking_no="TEMPLATE")
    sample: list[int] = await flat_values(RewardPhoto.filter(id__lte=10_000), "dhash")
    now = datetime.now(UTC)
    claims = []
    for i in range(probes):
        near = i % 2 == 0
        lat = 30.27 + (rnd.random() - 0.5) * 0.18 if near else 27.2 + rnd.random() * 3.9
        lng = 120.15 + (rnd.random() - 0.5) * 0.2 if near else 118.1 + rnd.random() * 4.6
        if i % 3 == 0:
            h = (rnd.choice(sample) & ((1 << 64) - 1)) ^ (1 << rnd.randrange(64))
        else:
            h = rnd.getrandbits(64)
        h = h - (1 << 64) if h >= 1 << 63 else h
        case = await Case.create(
            tracking_no=f"P{i:09d}", query_code_hash="x", kind="report",
            category_id=CATEGORIES[i % 3], channel="app", content=template.content, lat=lat,
            lng=lng, citizen_id=citizen_id, unit_path=template.unit_path, created_at=now,
        )
        claim = await RewardClaim.create(
            case_id=case.id, program_id=program_id, citizen_id=citizen_id,
            group_case_id=case.id, category_code=CATEGORIES[i % 3], lat=lat, lng=lng,
            reported_at=now, created_at=now,
        )
        b = dedupe.bands(h)
        await RewardPhoto.create(
            claim_id=claim.id, photo_id=0, sha256="probe", dhash=h,
            band0=b[0], band1=b[1], band2=b[2], band3=b[3],
        )
        claims.append(claim)
    return claims


async def _measure(claims: list[Any]) -> tuple[list[float], int]:
    from tortoise.connection import get_connection

    from rewards.eligibility import find_candidates

    conn = get_connection("default")
    for claim in claims[:20]:  # warm the page cache and the statement cache
        await find_candidates(conn, claim)
    timings, found = [], 0
    for claim in claims:
        started = time.perf_counter()
        result = await find_candidates(conn, claim)
        timings.append((time.perf_counter() - started) * 1000)
        found += len(result)
    return timings, found


async def _run(url: str, var_dir: Path) -> dict[str, float]:
    from hotline import db
    from hotline import settings as settings_mod
    from hotline.settings import Settings

    settings = settings_mod.configure(
        Settings(
            env="test",
            var_dir=var_dir,
            database_url=url,
            secret_key="bench-secret-key-0123456789abcdef",
            data_key="bench-data-key-0123456789abcdef",
            run_workers=False,
        )
    )
    await db.migrate(settings)
    await db.close_db()
    await db.init_db(settings)
    try:
        started = time.perf_counter()
        program_id, citizen_id = await _load(N)
        load_s = time.perf_counter() - started
        claims = await _new_reports(program_id, citizen_id, PROBES)
        timings, found = await _measure(claims)
    finally:
        await db.close_db()
    timings.sort()
    return {
        "reward_dedupe_p50_ms": round(statistics.median(timings), 2),
        "reward_dedupe_p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 2),
        "reward_dedupe_reports": N,
        "reward_dedupe_candidates_avg": round(found / len(timings), 2),
        "reward_dedupe_load_s": round(load_s, 1),
    }


def _run_pg(base: str, var: str) -> dict[str, float]:
    """In a fresh process: Tortoise keeps per-dialect caches that a second init would reuse."""

    async def go() -> dict[str, float]:
        from hotline.db import scratch_database

        async with scratch_database(base, "hotline_bench") as url:
            return await _run(url, Path(var))

    return asyncio.run(go())


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="hotline-rewards-bench-") as tmp:
        pg = os.environ.get("HOTLINE_BENCH_POSTGRES_URL")
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=ctx, max_tasks_per_child=1) as pool:
            sqlite_url = f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
            results = pool.submit(_run_sync, sqlite_url, tmp).result()
            if pg:
                pg_results = pool.submit(_run_pg, pg, tmp).result()
                results |= {f"pg_{k}": v for k, v in pg_results.items()}
    return results


def _run_sync(url: str, var: str) -> dict[str, float]:
    return asyncio.run(_run(url, Path(var)))


if __name__ == "__main__":
    figures = run()
    for figure, value in figures.items():
        print(f"{figure}: {value} {UNITS.get(figure, '')}".rstrip())
    if figures["reward_dedupe_p50_ms"] > TARGET_MS:
        print(f"# above the {TARGET_MS} ms target", file=sys.stderr)
