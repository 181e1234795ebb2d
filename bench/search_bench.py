"""Search benchmark: staff search and similar cases over 1,000,000 cases (BENCH_CASES).

The database is built as ``bench.casework_bench`` builds it (migrated, seeded, cases written
in bulk with their indexes dropped meanwhile), with what search needs on top: varied titles,
contents and addresses (streets × problems, so a term matches anything from a few hundred to
tens of thousands of cases), coordinates around the eleven Zhejiang cities, and the case
search index (``casework.search_index``) filled in bulk from texts segmented once per distinct
text. Figures (median of nothing: p95 over the query mix, after a warm-up):

* ``staff_search_p95_ms`` — ``casework.staff_search.search`` as a city handler and as the
  province: one or two terms, a term plus category/status/date filters, an exact tracking
  number, a phone, and page two;
* ``similar_cases_p95_ms`` — ``casework.similar.similar`` with a category and a point, with
  the draft title as ``q``, and both.

Targets: ``staff_search_p95_ms`` <= 50, ``similar_cases_p95_ms`` <= 20. With
HOTLINE_BENCH_POSTGRES_URL set the same runs against PostgreSQL (``pg_`` prefix).
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
UNITS = {"cases": "count", "load_s": "s", "staff_search_p95_ms": "ms",
         "similar_cases_p95_ms": "ms"}
UNITS |= {f"pg_{k}": v for k, v in UNITS.items()}
STREETS = [f"{a}{b}路" for a in "文学天凤解延庆体育环城江南滨江钱塘"
           for b in ("一", "二", "三", "东", "西")]
PROBLEMS = [
    ("路灯不亮", "路口的路灯连续几天晚上不亮，行人过马路很危险。"),
    ("工地夜间施工噪音", "附近工地每天夜里施工到凌晨，噪音很大影响休息。"),
    ("井盖破损", "人行道上的井盖破了一个角，容易绊倒老人和小孩。"),
    ("垃圾未及时清运", "小区门口垃圾桶满了好几天没人清运，气味难闻。"),
    ("占道经营", "早上菜贩在人行道上摆摊，行人只能走机动车道。"),
    ("违章停车堵塞消防通道", "小区消防通道长期被私家车占用，存在安全隐患。"),
    ("餐饮油烟扰民", "楼下饭店油烟直排，家里窗户都不敢开。"),
    ("自来水水压低", "最近一周高峰时段自来水水压很低，楼上几乎没水。"),
    ("公交站台破损", "公交站台顶棚破损漏雨，候车乘客淋雨。"),
    ("树木倒伏", "台风过后行道树倒在路边，至今没有清理。"),
    ("共享单车乱停放", "地铁口共享单车堆满人行道，轮椅无法通过。"),
    ("广场舞噪音", "公园广场舞音响开得很大，一直到晚上十点。"),
]
CITIES = [(30.27, 120.15), (29.87, 121.55), (28.00, 120.70), (30.75, 120.76), (30.89, 120.09),
          (30.00, 120.58), (29.08, 119.65), (28.94, 118.87), (30.00, 122.20), (28.66, 121.42),
          (28.45, 119.92)]
COLUMNS = cb.COLUMNS + ["lat", "lng", "address"]
TITLE, CONTENT = cb.COLUMNS.index("title"), cb.COLUMNS.index("content")


def generate(n: int, units: list[tuple[int, str]], root: str, sql_text: bool) -> Iterator[tuple]:
    rnd = random.Random(2026)
    for row in cb.generate(n, units, root, sql_text):
        problem = rnd.randrange(len(PROBLEMS))
        street = rnd.randrange(len(STREETS))
        lat0, lng0 = CITIES[rnd.randrange(len(CITIES))]
        values = list(row)
        values[TITLE] = STREETS[street] + PROBLEMS[problem][0]
        values[CONTENT] = PROBLEMS[problem][1]
        yield (*values, lat0 + rnd.uniform(-0.15, 0.15), lng0 + rnd.uniform(-0.15, 0.15),
               f"{STREETS[street]}{rnd.randrange(1, 400)}号")


def _texts() -> dict[tuple[int, int], tuple[str, str]]:
    """Segmented (title, body) per (street, problem); the house number adds one token."""
    from casework.search_index import texts

    return {(s, p): texts(STREETS[s] + PROBLEMS[p][0], PROBLEMS[p][1], STREETS[s])
            for s in range(len(STREETS)) for p in range(len(PROBLEMS))}


def _doc_rows(n: int, units: list[tuple[int, str]], root: str) -> Iterator[tuple]:
    from casework.transitions import OPEN_STATES

    segmented = _texts()
    by_title = {STREETS[s] + PROBLEMS[p][0]: (s, p) for s, p in segmented}
    status_at = cb.COLUMNS.index("status")
    for row in generate(n, units, root, sql_text=True):
        title, body = segmented[by_title[row[TITLE]]]
        number = row[-1].removeprefix(STREETS[by_title[row[TITLE]][0]]).removesuffix("号")
        yield row[0], title, f"{body} {number}", row[status_at] in OPEN_STATES


def load_sqlite(path: Path, n: int, units: list[tuple[int, str]], root: str) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    indexes = [sql for (sql,) in con.execute(
        "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='case' AND sql NOT NULL")]
    for sql in indexes:
        con.execute(f"DROP INDEX {sql.split()[2]}")
    marks = "(" + ",".join("?" * len(COLUMNS)) + ")"
    sql = f'INSERT INTO "case" ({",".join(COLUMNS)}) VALUES {marks}'
    con.executemany(sql, generate(n, units, root, sql_text=True))
    con.executemany(
        "INSERT INTO case_search (rowid, title, body, state) VALUES (?, ?, ?, ?)",
        ((i, t, b, "open" if o else "") for i, t, b, o in _doc_rows(n, units, root)),
    )
    con.execute("INSERT INTO case_search (case_search) VALUES ('optimize')")
    for sql in indexes:
        con.execute(sql)
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
            "case", records=generate(n, units, root, sql_text=False), columns=COLUMNS)
        await con.execute("CREATE TEMP TABLE docs (id BIGINT, title TEXT, body TEXT, open BOOL)")
        await con.copy_records_to_table("docs", records=_doc_rows(n, units, root))
        await con.execute("DROP INDEX case_search_tsv")
        await con.execute("DROP INDEX case_search_open_tsv")
        await con.execute(
            "INSERT INTO case_search (case_id, tsv, open) SELECT id, setweight(to_tsvector("
            "'simple', title), 'A') || setweight(to_tsvector('simple', body), 'B'), open "
            "FROM docs")
        await con.execute("SET maintenance_work_mem = '512MB'")
        from casework.search_index import POSTGRES_DDL

        for sql in [d["indexdef"] for d in defs] + list(POSTGRES_DDL[1:]):
            await con.execute(sql)
        await con.execute("SELECT setval(pg_get_serial_sequence('\"case\"', 'id'), "
                          "(SELECT max(id) FROM \"case\"))")
        await con.execute("ANALYZE")
    finally:
        await con.close()


async def measure() -> dict[str, float]:
    from casework import similar, staff_search
    from identity.principal import Principal
    from models.case import Case
    from models.org import Unit

    rnd = random.Random(99)
    root = await Unit.get(parent_id=None)
    city = await Unit.get(code="HZ-STHJJ")
    province = Principal(kind="staff", id=2, roles=frozenset({"supervisor"}), unit_id=root.id,
                         unit_path=root.path)
    handler = Principal(kind="staff", id=1, roles=frozenset({"handler"}), unit_id=city.id,
                        unit_path=city.path)
    sample = await Case.filter(id__in=[rnd.randrange(1, N + 1) for _ in range(20)]).values(
        "tracking_no", "category_id", "lat", "lng", "title")
    F = staff_search.Filters
    searches: list[tuple[Principal, Any]] = []
    for _ in range(8):
        street, (problem, _) = rnd.choice(STREETS), rnd.choice(PROBLEMS)
        searches += [
            (province, F(q=problem)), (handler, F(q=problem)),
            (province, F(q=f"{street} {problem}")), (handler, F(q=street)),
            (province, F(q=problem, category_code="ENV-NOISE", status="closed")),
            (province, F(q=street, from_=date(2026, 10, 1), to=date(2026, 10, 31))),
            (province, F(tracking_no=rnd.choice(sample)["tracking_no"])),
            (province, F(phone="13800138000")),
            (handler, F(status="signed", channel="phone")),
        ]
    times = []
    for rounds in range(2):
        for who, f in searches:
            started = time.perf_counter()
            page = await staff_search.search(who, f, limit=20)
            if page["next_cursor"]:
                await staff_search.search(who, f, limit=20, cursor=page["next_cursor"])
            if rounds:
                ms = (time.perf_counter() - started) * 1000 / (2 if page["next_cursor"] else 1)
                times.append(ms)
                if DEBUG and ms > 20:
                    print(f"# staff search {ms:.1f} ms {who.unit_path} {f}", file=sys.stderr)
    similar_times = []
    for rounds in range(2):
        for s in sample:
            for kw in (
                {"category_code": s["category_id"], "lat": s["lat"], "lng": s["lng"], "q": None},
                {"category_code": None, "lat": s["lat"], "lng": s["lng"], "q": s["title"]},
                {"category_code": s["category_id"], "lat": s["lat"], "lng": s["lng"],
                 "q": s["title"] + "，晚上很危险"},
            ):
                started = time.perf_counter()
                await similar.similar(**kw)
                if rounds:
                    ms = (time.perf_counter() - started) * 1000
                    similar_times.append(ms)
                    if DEBUG and ms > 10:
                        print(f"# similar {ms:.1f} ms {kw}", file=sys.stderr)
    return {"staff_search_p95_ms": cb.p95(times), "similar_cases_p95_ms": cb.p95(similar_times)}


def run() -> dict[str, float]:
    """SQLite, then PostgreSQL if HOTLINE_BENCH_POSTGRES_URL is set, each in a fresh process."""
    return cb.Backends(load_sqlite, load_postgres, measure).run()


if __name__ == "__main__":
    started_at = datetime.now(UTC)
    for figure, value in run().items():
        print(f"{figure}: {value} {UNITS.get(figure, '')}".rstrip(), flush=True)
