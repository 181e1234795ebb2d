"""The case search index: title, content and address of every case, segmented, in one table.

``case_search`` holds one row per case, keyed by the case id, with the segmented text
(``knowledge.segment.index_text``) and whether the case is open:

* SQLite: an FTS5 table ``case_search(title, body, state)`` whose rowid is the case id; ``state``
  is ``open`` or empty, queried only through the column filter ``state:open``;
* PostgreSQL: a table ``case_search(case_id, tsv, open)``, ``tsv`` the ``'simple'`` tsvector of
  the title (weight A) and of content and address (weight B), with a GIN index over ``tsv`` and
  a partial GIN index over the open cases' ``tsv`` (similar cases look only at those).

Intake writes the rows in its group commit (one multi-row INSERT per batch; the segmentation is
done before the transaction opens). A step that opens or closes a case (``answer``, ``reply``,
``merge``, ``reject``, ``verify``) flips the open marker (a step hook). Migration 0015 creates the
objects and indexes the cases already there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from casework.transitions import OPEN_STATES
from hotline.db import placeholders
from knowledge.segment import index_text
from models.case import Case

TABLE = "case_search"
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_search USING fts5(title, body, state)",
    # documents per term (similar cases pick their query's rarest terms)
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_search_vocab USING fts5vocab(case_search, 'row')",
)
POSTGRES_DDL = (
    "CREATE TABLE IF NOT EXISTS case_search (case_id BIGINT PRIMARY KEY "
    'REFERENCES "case" (id) ON DELETE CASCADE, tsv TSVECTOR NOT NULL, '
    "open BOOLEAN NOT NULL DEFAULT TRUE)",
    "CREATE INDEX IF NOT EXISTS case_search_tsv ON case_search USING GIN (tsv)",
    "CREATE INDEX IF NOT EXISTS case_search_open_tsv ON case_search USING GIN (tsv) WHERE open",
    # the open cases newest first (similar cases walk them; migration 0017)
    "CREATE INDEX IF NOT EXISTS case_search_open_id ON case_search (case_id) WHERE open",
)
# A page of matches is a few milliseconds of work when planned for the query's own terms. The
# driver's statements are prepared, and after five runs PostgreSQL may keep a generic plan,
# made without the terms: the GIN index, every match read and sorted (150 ms instead of 0.4 ms
# for three common terms); so plans are custom. A parallel worker takes longer to start than
# the page takes, and JIT compiling a plan misjudged as costly far longer.
PG_PAGE_SETTINGS = (
    "SET LOCAL plan_cache_mode = force_custom_plan; "
    "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off"
)
PG_TSV = "setweight(to_tsvector('simple', {t}), 'A') || setweight(to_tsvector('simple', {b}), 'B')"
# the steps after which a case may have become open or closed
CROSSING = frozenset({"answer", "reply", "merge", "reject", "verify"})
BACKFILL_BATCH = 2000


@dataclass(frozen=True)
class Doc:
    case_id: int
    title: str  # segmented
    body: str  # segmented content and address
    open: bool


def texts(title: str | None, content: str | None, address: str | None) -> tuple[str, str]:
    """The segmented title and body of a case (CPU only: done outside transactions)."""
    return index_text(title or ""), index_text(f"{content or ''} {address or ''}")


def is_sqlite(conn: BaseDBAsyncClient) -> bool:
    return conn.capabilities.dialect == "sqlite"


async def install(conn: BaseDBAsyncClient) -> None:
    for sql in SQLITE_DDL if is_sqlite(conn) else POSTGRES_DDL:
        await conn.execute_query(sql)


async def uninstall(conn: BaseDBAsyncClient) -> None:
    if is_sqlite(conn):
        await conn.execute_query("DROP TABLE IF EXISTS case_search_vocab")
    await conn.execute_query("DROP TABLE IF EXISTS case_search")


async def write(conn: BaseDBAsyncClient, docs: Sequence[Doc]) -> None:
    """Index ``docs`` (new cases): one multi-row INSERT."""
    if not docs:
        return
    if is_sqlite(conn):
        values = ", ".join(["(?, ?, ?, ?)"] * len(docs))
        params: list[Any] = []
        for d in docs:
            params += [d.case_id, d.title, d.body, "open" if d.open else ""]
        sql = f"INSERT INTO case_search (rowid, title, body, state) VALUES {values}"
    else:
        marks = placeholders(conn, 4 * len(docs))
        rows = []
        params = []
        for i, d in enumerate(docs):
            k, t, b, o = marks[4 * i : 4 * i + 4]
            rows.append(f"({k}, {PG_TSV.format(t=t, b=b)}, {o})")
            params += [d.case_id, d.title, d.body, d.open]
        sql = f"INSERT INTO case_search (case_id, tsv, open) VALUES {', '.join(rows)}"
    await conn.execute_query(sql, params)


async def set_open(conn: BaseDBAsyncClient, case_id: int, is_open: bool) -> None:
    if is_sqlite(conn):
        await conn.execute_query(
            "UPDATE case_search SET state = ? WHERE rowid = ?",
            ["open" if is_open else "", case_id],
        )
    else:
        await conn.execute_query(
            "UPDATE case_search SET open = $1 WHERE case_id = $2 AND open <> $1",
            [is_open, case_id],
        )


async def track_open(
    action: str, case: Case, payload: dict[str, Any], now: datetime, conn: BaseDBAsyncClient
) -> None:
    """After a step (called by ``casework.lifecycle``): keep the index's open marker true."""
    if action in CROSSING:
        await set_open(conn, case.id, case.status in OPEN_STATES)


def doc_of(case: Any) -> Doc:
    title, body = texts(case.title, case.content, case.address)
    return Doc(case.id, title, body, case.status in OPEN_STATES)


async def backfill(conn: BaseDBAsyncClient) -> int:
    """Index every case not indexed yet (the migration), in batches by id."""
    after, done = 0, 0
    while True:
        rows = await conn.execute_query_dict(
            'SELECT id, title, content, address, status FROM "case" WHERE id > '
            f"{placeholders(conn, 1)[0]} ORDER BY id LIMIT {BACKFILL_BATCH}",
            [after],
        )
        if not rows:
            return done
        await write(conn, [doc_of(_Row(r)) for r in rows])
        done += len(rows)
        after = rows[-1]["id"]


class _Row:
    def __init__(self, row: dict[str, Any]) -> None:
        self.id, self.title, self.content = row["id"], row["title"], row["content"]
        self.address, self.status = row["address"], row["status"]


async def pg_page(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Rows of a PostgreSQL search statement, run without parallel workers or JIT
    (:data:`PG_PAGE_SETTINGS`, for its own transaction only)."""
    async with in_transaction("default") as conn:
        await conn.execute_script(PG_PAGE_SETTINGS)
        return list(await conn.execute_query_dict(sql, params))


def quote_fts(term: str) -> str:
    """An FTS5 string for ``term``: a phrase, whatever characters it has."""
    return '"' + term.replace('"', '""') + '"'


def sqlite_match(terms: Sequence[str], *, any_term: bool = False, open_only: bool = False) -> str:
    """An FTS5 query over title and body: every term (or any), optionally open cases only."""
    joined = (" OR " if any_term else " AND ").join(quote_fts(t) for t in terms)
    text = "{title body}: (" + joined + ")"
    return f"state:open AND {text}" if open_only else text


def pg_query(terms: Sequence[str], first: int, *, any_term: bool = False) -> str:
    """A tsquery expression of ``terms`` passed as parameters ``$first``..."""
    op = " || " if any_term else " && "
    return "(" + op.join(
        f"plainto_tsquery('simple', ${first + i})" for i in range(len(terms))
    ) + ")"
