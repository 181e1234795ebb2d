"""Relevance of the knowledge-base search over a labelled set of questions.

``python -m knowledge.relevance DATABASE_URL [ITEMS QUESTIONS]`` builds a scratch database at
``DATABASE_URL`` (a SQLite file path URL, or a PostgreSQL server URL in which a temporary
database is created and dropped), loads the items through the service, asks every question and
prints JSON ``{mrr5, recall5, questions, top5: [[key, …], …]}``. The test comparing SQLite and
PostgreSQL and ``bench/kb_bench.py`` run it in a child process each (one database per process).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from knowledge.seed import ITEMS, QUESTIONS


def measure(expected: list[str], ranked: list[list[str]]) -> dict[str, float]:
    """MRR@5 and recall@5 of ``ranked`` (each question's top keys) against ``expected``."""
    rr = [1 / (top[:5].index(key) + 1) if key in top[:5] else 0.0
          for key, top in zip(expected, ranked, strict=True)]
    n = max(len(rr), 1)
    return {"mrr5": sum(rr) / n, "recall5": sum(1 for r in rr if r) / n,
            "questions": float(len(rr))}


async def evaluate(url: str, items_path: Path = ITEMS,
                   questions_path: Path = QUESTIONS) -> dict[str, Any]:
    from hotline import db
    from hotline.settings import Settings

    async with contextlib.AsyncExitStack() as stack:
        var = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kb-relevance-")))
        if url.startswith("postgres"):
            url = await stack.enter_async_context(db.scratch_database(url, "hotline_kbrel"))
        settings = Settings(env="test", var_dir=var, database_url=url, run_workers=False,
                            secret_key="relevance-secret-key-0123456789ab",
                            data_key="relevance-data-key-0123456789abcd")
        await db.migrate(settings)
        await db.close_db()
        await db.init_db(settings)
        try:
            return await _ask(items_path, questions_path)
        finally:
            await db.close_db()
    raise AssertionError("unreachable")


async def _ask(items_path: Path, questions_path: Path) -> dict[str, Any]:
    from knowledge import search, seed
    from launch.seed import seed_reference_data
    from models.knowledge import KbItem

    await seed_reference_data()
    await seed.load(seed.read_items(items_path))
    keys = dict(await KbItem.all().values_list("id", "key"))
    questions = json.loads(questions_path.read_text(encoding="utf-8"))  # noqa: ASYNC240
    ranked = []
    for question in questions:
        hits = await search.search(question["q"], limit=5)
        ranked.append([keys[h["id"]] for h in hits])
    return measure([q["key"] for q in questions], ranked) | {"top5": ranked}


def main(argv: list[str]) -> int:
    url = argv[0]
    paths = [Path(p) for p in argv[1:3]] or [ITEMS, QUESTIONS]
    print(json.dumps(asyncio.run(evaluate(url, *paths)), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
