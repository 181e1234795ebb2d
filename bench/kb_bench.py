"""Knowledge-base benchmark: search latency over 100,000 items, relevance over the labelled set.

* ``kb_search_p95_ms`` (and ``kb_search_p50_ms``): ``knowledge.search.search`` (limit 10) for
  the labelled questions, over BENCH_KB_ITEMS (default 100,000) published items: the demo items
  (``knowledge/data/items.json``) and variants of them (a city and district before the title,
  a sentence about the place added to the body), written 5,000 rows a statement (the index
  triggers / generated column index them, and PostgreSQL's term counts follow, as the
  service's writes would; then VACUUM ANALYZE, as autovacuum would after such a load).
  Target <= 20 ms. Timed after one untimed pass over the questions (statements prepared,
  pages in the database's buffers, as in a server that has run a while), with the counts and
  candidate ids the search keeps in process dropped before the timed pass: a concept is read
  from the database the first time a question of the pass asks it.
* ``kb_mrr5`` and ``kb_recall5``: ``knowledge.relevance`` over ``knowledge/data/questions.json``
  on the demo items alone. Target MRR@5 >= 0.8.

With HOTLINE_BENCH_POSTGRES_URL set both run against a temporary PostgreSQL database too
(figures prefixed ``pg_``). Run: ``.venv/bin/python -m bench kb``.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
N = int(os.environ.get("BENCH_KB_ITEMS", "100000"))
UNITS = {"kb_items": "count", "kb_search_p50_ms": "ms", "kb_search_p95_ms": "ms",
         "kb_mrr5": "", "kb_recall5": "", "kb_questions": "count"}
UNITS |= {f"pg_{k}": v for k, v in UNITS.items()}
PLACES = ["杭州市上城区", "杭州市西湖区", "宁波市海曙区", "温州市鹿城区", "嘉兴市南湖区",
          "湖州市吴兴区", "绍兴市越城区", "金华市婺城区", "衢州市柯城区", "舟山市定海区",
          "台州市椒江区", "丽水市莲都区"]
SAMPLE = ROOT / "tests" / "knowledge" / "data"


def _data() -> tuple[Path, Path]:
    from knowledge.seed import ITEMS, QUESTIONS

    if ITEMS.exists() and QUESTIONS.exists():
        return ITEMS, QUESTIONS
    print("# kb: knowledge/data missing, using the test sample", file=sys.stderr)
    return SAMPLE / "items.json", SAMPLE / "questions.json"


def _variants(base: list[dict[str, Any]], n: int) -> list[tuple[Any, ...]]:
    from knowledge.segment import index_text

    now = datetime.now(UTC)
    place_terms = {p: index_text(p) for p in PLACES}
    rows = []
    for i in range(n):
        item = base[i % len(base)]
        place = PLACES[(i // len(base)) % len(PLACES)]
        serial = i // (len(base) * len(PLACES))
        title = f"{place}{item['title']}（{serial}）"
        body = f"{item['body']}\n本事项在{place}的政务服务中心办理。"
        rows.append((
            str(item["kind"]), "published", title, body, item["department"], "", "[]", "[]", 1,
            now, now, "bench",
            f"{place_terms[place]} {item['title_terms']} {serial}",
            f"{item['body_terms']} {place_terms[place]}",
        ))
    return rows


async def _fill(n: int) -> None:
    from tortoise.connection import get_connection

    from models.knowledge import KbItem

    base = await KbItem.filter(state="published").values(
        "kind", "title", "body", "department", "title_terms", "body_terms")
    conn = get_connection("default")
    cols = ("kind, state, title, body, department, applicable, materials, steps, version, "
            "created_at, "
            "updated_at, updated_by, title_terms, body_terms")
    rows = _variants(base, max(0, n - len(base)))
    sqlite = conn.capabilities.dialect == "sqlite"
    if sqlite:  # times as the ORM writes them there
        rows = [r[:9] + (r[9].isoformat(), r[10].isoformat()) + r[11:] for r in rows]
        marks = ", ".join("?" for _ in range(14))
        sql = f"INSERT INTO kb_item ({cols}) VALUES ({marks})"
        for start in range(0, len(rows), 5000):
            await conn.execute_many(sql, [list(r) for r in rows[start:start + 5000]])
        return
    # PostgreSQL: one INSERT per 5,000 rows (its statement trigger counts their terms at once),
    # into the GIN index's pending list as a bulk load would (minutes faster), merged after
    await conn.execute_script("ALTER INDEX kb_item_tsv SET (fastupdate = on)")
    types = ("text", "text", "text", "text", "text", "text", "jsonb", "jsonb", "int",
             "timestamptz", "timestamptz", "text", "text", "text")
    arrays = ", ".join(f"${i + 1}::{t}[]" for i, t in enumerate(types))
    sql = f"INSERT INTO kb_item ({cols}) SELECT * FROM unnest({arrays})"
    for start in range(0, len(rows), 5000):
        await conn.execute_query(sql, [list(col) for col in zip(*rows[start:start + 5000],
                                                                strict=True)])
    await conn.execute_script("ALTER INDEX kb_item_tsv SET (fastupdate = off)")
    await conn.execute_script("VACUUM ANALYZE kb_item")


async def _latency(url: str, items: Path, questions: Path) -> dict[str, float]:
    import contextlib

    from hotline import db
    from hotline.settings import Settings
    from knowledge import lexicon, search, seed
    from launch.seed import seed_reference_data

    async with contextlib.AsyncExitStack() as stack:
        var = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kb-bench-")))
        if url.startswith("postgres"):
            url = await stack.enter_async_context(db.scratch_database(url, "hotline_kbbench"))
        settings = Settings(env="test", var_dir=var, database_url=url, run_workers=False,
                            secret_key="bench-secret-key-0123456789abcdef",
                            data_key="bench-data-key-0123456789abcdef")
        await db.migrate(settings)
        await db.close_db()
        await db.init_db(settings)
        try:
            lexicon.invalidate()
            await seed_reference_data()
            await seed.load(seed.read_items(items))
            await _fill(N)
            lexicon.invalidate()
            text = questions.read_text(encoding="utf-8")  # noqa: ASYNC240 - before timing
            asked = [q["q"] for q in json.loads(text)]
            for q in asked:  # a server that has run a while: its statements prepared, the
                await search.search(q)  # index and rows in the database's buffers
            times = []
            for _ in range(max(1, 300 // len(asked))):
                lexicon.forget_answers()  # but no question's counts or candidates at hand
                for q in asked:
                    t0 = time.perf_counter()
                    await search.search(q)
                    times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            return {"kb_items": float(N), "kb_search_p50_ms": round(statistics.median(times), 2),
                    "kb_search_p95_ms": round(times[int(len(times) * 0.95) - 1], 2)}
        finally:
            await db.close_db()
    raise AssertionError("unreachable")


def _child(*args: str) -> dict[str, float]:
    """One database per process: the ORM keeps the first database's dialect per model."""
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
        | {"PYTHONPATH": str(ROOT)},
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _relevance(url: str, items: Path, questions: Path) -> dict[str, float]:
    found = _child("knowledge.relevance", url, str(items), str(questions))
    return {"kb_mrr5": round(found["mrr5"], 3), "kb_recall5": round(found["recall5"], 3),
            "kb_questions": found["questions"]}


def run() -> dict[str, float]:
    items, questions = _data()
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        out |= _relevance(f"sqlite://{tmp}/rel.sqlite3", items, questions)
        out |= _child("bench.kb_bench", f"sqlite://{tmp}/bench.sqlite3", str(items),
                      str(questions))
    pg = os.environ.get("HOTLINE_BENCH_POSTGRES_URL")
    if pg:
        out |= {f"pg_{k}": v for k, v in _relevance(pg, items, questions).items()}
        out |= {f"pg_{k}": v for k, v in
                _child("bench.kb_bench", pg, str(items), str(questions)).items()}
    return out


if __name__ == "__main__":
    if len(sys.argv) == 4:  # the child: latency on one database, as JSON
        url, items, questions = sys.argv[1:]
        print(json.dumps(asyncio.run(_latency(url, Path(items), Path(questions)))))
    else:
        for name, value in run().items():
            print(f"{name}: {value} {UNITS.get(name, '')}".rstrip())
