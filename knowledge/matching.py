"""What the full-text index answers for :mod:`knowledge.search`, per database: how many published
items hold each token, and the lowest ids of the items matching a query.

Both databases answer the same figures and the same rows; only the way differs.

* Token counts. SQLite counts the matches in FTS5 (each count stopped at :data:`DF_CAP`, cheap
  there); PostgreSQL reads the table ``kb_term`` (token → published items holding it), kept by
  statement triggers on ``kb_item`` (migration 0018), so a count is a lookup instead of a scan of
  the GIN posting list and the heap rows behind it (5-10 ms a common word at 100,000 items).
  The counts the ranking uses are capped at :data:`DF_CAP` on both.
* Lowest ids. SQLite's FTS5 hands matches out in rowid order already. PostgreSQL has no order in
  a GIN index: it either reads every match (a bitmap scan: ~2 µs a match, 120 ms for a word in
  60 % of 100,000 items) or walks the primary key testing each row (~4 µs a row passed, 25 ms
  for a word in 2.5 % of the items). With the exact count of every token at hand it picks:
  a walk when a single concept is in at least :data:`WALK_SHARE` of the items (a few hundred
  rows passed), all matches when they are few (:data:`FEW`), else the matches in an id window
  sized to hold the rows wanted (a bitmap of the GIN index and of the primary key's range,
  so only the window's rows are read), then, if the window held too few, the matches above it.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise.transactions import in_transaction

DF_CAP = 1000  # counts above this rank as this (and SQLite stops counting there)
FEW = 2000  # at most this many matches: read them all
WALK_SHARE = 0.15  # a concept in this share of the items: walk the primary key
WINDOW_SLACK = 2.0  # an id window expected to hold this many times the rows wanted


def is_sqlite(conn: Any) -> bool:
    return bool(conn.capabilities.dialect == "sqlite")


def _fts5_token(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _ts_token(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def match(conn: Any, groups: list[list[str]]) -> str:
    """The index query for items holding a phrase of every group. A phrase matches an item
    holding each of its tokens, adjacent or not (:func:`knowledge.search.score` counts only
    the adjacent ones): PostgreSQL then answers from the GIN index alone, where a phrase
    (``<->``) must open the tsvector of every item holding its tokens to check their
    positions."""
    if is_sqlite(conn):
        def phrase(p: str) -> str:
            return "(" + " AND ".join(_fts5_token(t) for t in p.split()) + ")"
        return " AND ".join("(" + " OR ".join(phrase(p) for p in g) + ")" for g in groups)

    def ts_phrase(p: str) -> str:
        return "(" + " & ".join(_ts_token(t) for t in p.split()) + ")"
    return " & ".join("(" + " | ".join(ts_phrase(p) for p in g) + ")" for g in groups)


def _ts_phrase(phrase: str) -> str:
    return "(" + " <-> ".join(_ts_token(t) for t in phrase.split()) + ")"


async def phrase_counts(conn: Any, phrases: list[str]) -> dict[str, int]:
    """Per phrase, the published items holding it, as the ranking counts them (every caller
    caps them at :data:`DF_CAP`):

    * a token: the items holding it (PostgreSQL: exact, from ``kb_term``; SQLite: counted in
      FTS5 up to :data:`DF_CAP`);
    * a phrase of several tokens (a synonym such as 医疗保险 → ``医疗 保险 医疗保险``): the items
      holding its tokens side by side, counted in the index when its rarest token is in fewer
      than :data:`DF_CAP` items (so at most that many rows are opened on PostgreSQL, where
      positions live in the rows' tsvectors, not in the GIN index); else that rarest token's
      count, at least :data:`DF_CAP`: a phrase of common words counts as common.
    """
    phrases = [p for p in dict.fromkeys(phrases) if p.split()]
    tokens = list(dict.fromkeys(t for p in phrases for t in p.split()))
    if not tokens:
        return {}
    held = await _token_counts(conn, tokens)
    found = {p: min(held[t] for t in p.split()) for p in phrases}
    rare = [p for p in phrases if len(p.split()) > 1 and 0 < found[p] < DF_CAP]
    if rare:
        found |= await _rare_phrase_counts(conn, rare)
    return found


async def _token_counts(conn: Any, tokens: list[str]) -> dict[str, int]:
    if is_sqlite(conn):
        return await _sqlite_counts(conn, [_fts5_token(t) for t in tokens], tokens)
    rows = await conn.execute_query_dict(
        "SELECT term, items FROM kb_term WHERE term = ANY($1::text[])", [tokens])
    return dict.fromkeys(tokens, 0) | {r["term"]: max(0, int(r["items"])) for r in rows}


async def _sqlite_counts(conn: Any, queries: list[str], keys: list[str]) -> dict[str, int]:
    parts = [f"(SELECT count(*) FROM (SELECT 1 FROM kb_fts WHERE kb_fts MATCH ? "
             f"LIMIT {DF_CAP}))"] * len(queries)
    row = (await conn.execute_query("SELECT " + ", ".join(parts), queries))[1][0]
    return {k: int(row[i]) for i, k in enumerate(keys)}


async def _rare_phrase_counts(conn: Any, phrases: list[str]) -> dict[str, int]:
    if is_sqlite(conn):
        return await _sqlite_counts(conn, ['"' + p.replace('"', '""') + '"' for p in phrases],
                                    phrases)
    parts = [f"(SELECT count(*) FROM kb_item WHERE tsv @@ ${i + 1}::tsquery) AS n{i}"
             for i in range(len(phrases))]
    async with reader(conn) as read:
        row = (await read.pg("SELECT " + ", ".join(parts),
                             [_ts_phrase(p) for p in phrases], _BITMAP))[0]
    return {p: int(row[f"n{i}"]) for i, p in enumerate(phrases)}


# PostgreSQL: the plan chosen here, for the values at hand (no generic plan of a prepared
# statement), no parallel workers or JIT; a walk turns bitmap scans off, the others index scans
_PG_SETTINGS = ("SET LOCAL plan_cache_mode = force_custom_plan; "
                "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off; "
                "SET LOCAL enable_seqscan = off")
_WALK = "SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = off"
_BITMAP = "SET LOCAL enable_bitmapscan = on; SET LOCAL enable_indexscan = off"
SCORED = "id, title_terms, body_terms"  # what the ranking reads of every candidate
SHOWN = "id, kind, title, department, body"  # what a result shows


class Reader:
    """One search's reads: on PostgreSQL in one transaction holding the plan settings."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.sqlite = is_sqlite(conn)
        self._plan = ""

    async def pg(self, sql: str, args: list[Any], plan: str) -> list[dict[str, Any]]:
        if plan != self._plan:  # the transaction's settings go with its first plan
            await self.conn.execute_script(plan if self._plan else f"{_PG_SETTINGS}; {plan}")
            self._plan = plan
        return list(await self.conn.execute_query_dict(sql, args))

    async def lowest(self, groups: list[list[str]], kind: str | None, limit: int,
                     estimate: int, span: tuple[int, int, int]) -> list[int]:
        """The ids of up to ``limit`` published items holding a phrase of every group, lowest
        first. ``estimate`` is at least the number of items matching (PostgreSQL's choice of
        plan reads it; the rows found do not depend on it), ``span`` the published items'
        count, lowest and highest id."""
        query = match(self.conn, groups)
        if self.sqlite:
            where = " AND k.kind = ?" if kind else ""
            sql = (f"SELECT kb_fts.rowid AS id FROM kb_fts JOIN kb_item k ON k.id = kb_fts.rowid "
                   f"WHERE kb_fts MATCH ?{where} ORDER BY kb_fts.rowid LIMIT {limit}")
            rows = await self.conn.execute_query_dict(sql, [query] + ([kind] if kind else []))
            return [r["id"] for r in rows]
        count, low, high = span
        if estimate <= 0:
            return []
        if len(groups) == 1 and estimate >= WALK_SHARE * count:
            return await self._between(query, kind, limit, None, None, _WALK)
        if estimate <= FEW:
            return await self._between(query, kind, limit, None, None, _BITMAP)
        bound = low + math.ceil(WINDOW_SLACK * limit * (high - low + 1) / estimate)
        ids = await self._between(query, kind, limit, None, bound, _BITMAP)
        if len(ids) < limit and bound <= high:
            ids += await self._between(query, kind, limit - len(ids), bound, None, _BITMAP)
        return ids

    async def _between(self, query: str, kind: str | None, limit: int, start: int | None,
                       stop: int | None, plan: str) -> list[int]:
        """The ids of the matches with ``start <= id < stop``."""
        args: list[Any] = [query]
        where = ""
        for value, test in ((kind, "kind = "), (start, "id >= "), (stop, "id < ")):
            if value is not None:
                args.append(value)
                where += f" AND {test}${len(args)}"
        sql = (f"SELECT id FROM kb_item WHERE tsv @@ $1::tsquery{where} "
               f"ORDER BY id LIMIT {limit}")
        return [r["id"] for r in await self.pg(sql, args, plan)]

    async def rows(self, ids: list[int]) -> list[dict[str, Any]]:
        """What the ranking reads of these items, in id order."""
        if not ids:
            return []
        sql, args = _by_ids(self.sqlite, SCORED, ids)
        if self.sqlite:
            return list(await self.conn.execute_query_dict(sql, args))
        return await self.pg(sql, args, _BITMAP)


def _by_ids(sqlite: bool, columns: str, ids: list[int], where: str = "") -> tuple[str, list[Any]]:
    """The statement reading ``columns`` of the items ``ids`` (and ``where``), in id order."""
    if sqlite:
        marks = ", ".join("?" for _ in ids)
        return f"SELECT {columns} FROM kb_item WHERE id IN ({marks}){where} ORDER BY id", ids
    return f"SELECT {columns} FROM kb_item WHERE id = ANY($1::int[]){where} ORDER BY id", [ids]


async def shown(conn: Any, ids: list[int]) -> list[dict[str, Any]]:
    """What a result shows of a few published items, by id."""
    if not ids:
        return []
    sql, args = _by_ids(is_sqlite(conn), SHOWN, ids, " AND state = 'published'")
    return list(await conn.execute_query_dict(sql, args))


@asynccontextmanager
async def reader(conn: Any) -> AsyncIterator[Reader]:
    """A :class:`Reader`; on PostgreSQL in a transaction whose plan settings are sent with its
    first statement."""
    if is_sqlite(conn):
        yield Reader(conn)
        return
    async with in_transaction("default") as tx:
        yield Reader(tx)
