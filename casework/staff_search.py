"""Staff search (``GET /staff/search``, ``GET /staff/search.csv``) within the caller's scope.

Conditions, all optional and combined with AND, newest first (keyset cursor on the case id):

* ``q``: full text over title, content and address — every term of
  ``knowledge.segment.query_terms(q)`` (at most :data:`MAX_TERMS`) must occur, through the case
  search index (``casework.search_index``: FTS5 ``MATCH`` read in rowid order on SQLite, the GIN
  index over the tsvector on PostgreSQL). A query without a term (punctuation only) sets no
  condition;
* ``tracking_no``: exactly that case;
* ``phone``: the normalised number's keyed lookup hash (``hotline.crypto.lookup_hash``) against
  the case's contact phone hash, or the signed-in citizen's phone hash — never a pattern over
  decrypted phones;
* ``from``/``to`` (Asia/Shanghai days, inclusive, on the filing time), ``category_code``,
  ``status``, ``unit_id`` (a unit inside the scope: its subtree; else 404) and ``channel``.

Scope is ``casework.queues.resolve_scope`` (the staff queues' rule); items are the queue's
(``casework.queues.summary``): no personal data. The CSV holds the same rows with the contact
masked as staff lists show it (``hotline.crypto.mask_phone`` / ``mask_name``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection

from casework import queues, search_index, views
from hotline import cursors
from hotline.crypto import decrypt, lookup_hash, mask_name, mask_phone
from hotline.csvcell import cell
from hotline.db import dialect_sql, flat_values
from hotline.errors import ValidationProblem
from hotline.timefmt import SHANGHAI
from identity.phones import normalize_contact_phone
from identity.principal import Principal
from knowledge.segment import query_terms
from models.citizen import Citizen

MAX_LIMIT = 100
MAX_TERMS = 8
# PostgreSQL full text: id windows walked newest first (each WINDOW_GROWTH times the last) up to
# WALK_MAX ids, then the GIN index for whatever lies below
FIRST_WINDOW = 8192
WINDOW_GROWTH = 4
WALK_MAX = 180_000
CSV_MAX_ROWS = 10_000
CSV_CHUNK = 500
ROW_FIELDS = queues.SUMMARY_FIELDS + ("contact_phone_enc", "contact_name_enc", "anonymous")
CSV_COLUMNS = (
    "tracking_no", "created_at", "kind", "category_code", "channel", "status", "unit", "title",
    "contact_name", "contact_phone",
)


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    phone: str | None = None
    tracking_no: str | None = None
    from_: date | None = None
    to: date | None = None
    category_code: str | None = None
    status: str | None = None
    unit_id: int | None = None
    channel: str | None = None
    # resolved from ``phone`` before the query (:func:`resolve_phone`)
    phone_hash: str | None = None
    citizen_ids: tuple[int, ...] = ()


async def resolve_phone(f: Filters) -> Filters:
    """The phone's lookup hash, and the citizens signed in with it (one indexed look-up)."""
    if not f.phone:
        return f
    h = lookup_hash(normalize_contact_phone(f.phone))
    ids: list[int] = await flat_values(Citizen.filter(phone_hash=h), "id")
    return replace(f, phone_hash=h, citizen_ids=tuple(ids))


def _where(conn: BaseDBAsyncClient, f: Filters, scope: queues.Scope) -> tuple[str, str, list[Any]]:
    """(FROM ..., WHERE ..., params) with ``?`` placeholders and the rowid/id column to order by."""
    sqlite = search_index.is_sqlite(conn)
    conds: list[str] = []
    params: list[Any] = []
    source = 'FROM "case" c'
    terms = query_terms(f.q)[:MAX_TERMS] if f.q else ()
    if terms:
        if sqlite:
            source = 'FROM case_search JOIN "case" c ON c.id = case_search.rowid'
            conds.append("case_search MATCH ?")
            params.append(search_index.sqlite_match(terms))
        else:
            q = " && ".join(["plainto_tsquery('simple', ?)"] * len(terms))
            # TS_MATCH is a placeholder: _walk puts the walk's ts_match_vq or the GIN's @@
            conds.append("EXISTS (SELECT 1 FROM case_search s WHERE s.case_id = c.id AND "
                         f"{TS_MATCH}(s.tsv, ({q})))")
            params += list(terms)
    if f.tracking_no:
        conds.append("c.tracking_no = ?")
        params.append(f.tracking_no)
    if f.phone_hash:
        if f.citizen_ids:
            marks = ", ".join("?" * len(f.citizen_ids))
            conds.append(f"(c.contact_phone_hash = ? OR c.citizen_id IN ({marks}))")
            params += [f.phone_hash, *f.citizen_ids]
        else:
            conds.append("c.contact_phone_hash = ?")
            params.append(f.phone_hash)
    if f.from_ or f.to:
        if f.from_ and f.to and f.from_ > f.to:
            raise ValidationProblem("起始日期不能晚于截止日期", code="invalid_period")
    if f.from_:
        conds.append("c.created_at >= ?")
        params.append(queues.db_time(conn, datetime.combine(f.from_, time(0), tzinfo=SHANGHAI)))
    if f.to:
        end = datetime.combine(f.to + timedelta(days=1), time(0), tzinfo=SHANGHAI)
        conds.append("c.created_at < ?")
        params.append(queues.db_time(conn, end))
    for column, value in (("category_id", f.category_code), ("status", f.status),
                          ("channel", f.channel)):
        if value:
            conds.append(f"c.{column} = ?")
            params.append(value)
    if scope.paths is not None:
        conds.append(f"c.unit_path IN ({', '.join('?' * len(scope.paths))})")
        params += scope.paths
    return source, " AND ".join(conds) or "1 = 1", params


TS_MATCH = "__ts_match__"


def _order_column(conn: BaseDBAsyncClient, source: str) -> str:
    # FTS5 hands out matches in rowid order: ordering by it stops at the page's last row
    return "case_search.rowid" if source.startswith("FROM case_search JOIN") else "c.id"


async def _rows(
    conn: BaseDBAsyncClient, f: Filters, scope: queues.Scope, *, before: int | None, limit: int
) -> list[dict[str, Any]]:
    source, where, params = _where(conn, f, scope)
    order = _order_column(conn, source)
    if TS_MATCH in where:
        rows = await _walk(conn, source, where, params, before=before, limit=limit)
    else:
        rows = await _select(conn, source, where, params, order, before=before, limit=limit)
    for r in rows:
        for k in ("created_at", "next_due_at", "warn_at"):
            r[k] = queues.from_db_time(r[k])
    return rows


async def _select(
    conn: BaseDBAsyncClient, source: str, where: str, params: list[Any], order: str, *,
    before: int | None, limit: int, after: int | None = None, page: bool = False,
) -> list[dict[str, Any]]:
    params = list(params)
    if before is not None:
        where += f" AND {order} < ?"
        params.append(before)
    if after is not None:
        where += f" AND {order} >= ?"
        params.append(after)
    cols = ", ".join(f"c.{c}" for c in ROW_FIELDS)
    sql = dialect_sql(conn, f"SELECT {cols} {source} WHERE {where} ORDER BY {order} DESC "
                      f"LIMIT {int(limit)}")
    if page:
        return await search_index.pg_page(sql, params)
    return list(await conn.execute_query_dict(sql, params))


async def _walk(
    conn: BaseDBAsyncClient, source: str, where: str, params: list[Any], *,
    before: int | None, limit: int,
) -> list[dict[str, Any]]:
    """Full text on PostgreSQL, newest first, stopping at the page's last row.

    The GIN index hands out every match of a term before anything can be sorted (a common
    term: tens of thousands of rows), and the planner, taking the terms of a query as
    independent, expects a conjunction of common terms to be rare and picks that index. So the
    newest ids are read first in windows (the case key backwards, or a scope's cases through
    ``(unit_path, id)``, each case's terms checked with ``ts_match_vq``, which no index serves),
    each window :data:`WINDOW_GROWTH` times the last, up to :data:`WALK_MAX` ids; the rest, rare
    matches by then, comes through the GIN index. Each statement is planned for its own values
    (``search_index.pg_page``)."""
    top = before
    if top is None:
        found = await conn.execute_query_dict('SELECT max(id) AS m FROM "case"')
        top = int(found[0]["m"] or 0) + 1
    walked, window = 0, FIRST_WINDOW
    rows: list[dict[str, Any]] = []
    walk_where = where.replace(TS_MATCH, "ts_match_vq")
    while len(rows) < limit and top > 0 and walked < WALK_MAX:
        low = max(0, top - window)
        rows += await _select(conn, source, walk_where, params, "c.id", before=top,
                              limit=limit - len(rows), after=low, page=True)
        walked += top - low
        top, window = low, window * WINDOW_GROWTH
    if len(rows) < limit and top > 0:
        gin_where = where.replace(f"{TS_MATCH}(s.tsv, ", "s.tsv @@ (")
        rows += await _select(conn, source, gin_where, params, "c.id", before=top,
                              limit=limit - len(rows), page=True)
    return rows


async def search(
    who: Principal, f: Filters, *, limit: int = 20, cursor: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One page: ``{items, next_cursor}`` (items as in the staff queue)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    limit = max(1, min(limit, MAX_LIMIT))
    scope = await queues.resolve_scope(who, f.unit_id)
    f = await resolve_phone(f)
    before = cursors.read(cursor, "s", 1)[0] if cursor else None
    conn = get_connection("default")
    rows = await _rows(conn, f, scope, before=before, limit=limit + 1)
    page = rows[:limit]
    next_cursor = cursors.sign("s", page[-1]["id"]) if len(rows) > limit else None
    names = await _names(scope, page)
    return {"items": [queues.summary(r, names, now) for r in page], "next_cursor": next_cursor}


async def _names(scope: queues.Scope, page: list[dict[str, Any]]) -> dict[int, str]:
    from models.org import Unit

    missing = {r["unit_id"] for r in page if r["unit_id"] and r["unit_id"] not in scope.names}
    names = dict(scope.names)
    if missing:
        names |= dict(await Unit.filter(id__in=missing).values_list("id", "name"))
    return names


def _contact(r: dict[str, Any]) -> tuple[str, str]:
    if r["anonymous"]:
        return "", ""
    name, phone = decrypt(r["contact_name_enc"]), decrypt(r["contact_phone_enc"])
    return mask_name(name) or "", mask_phone(phone) or ""


async def csv_chunks(who: Principal, f: Filters) -> AsyncIterator[str]:
    """The whole result (at most :data:`CSV_MAX_ROWS`) as CSV, newest first, streamed.

    The scope is checked before the first chunk, so a refusal is an ordinary error reply."""
    scope = await queues.resolve_scope(who, f.unit_id)
    f = await resolve_phone(f)
    conn = get_connection("default")
    _where(conn, f, scope)  # a bad filter fails here, not mid-stream

    async def chunks() -> AsyncIterator[str]:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        before, sent = None, 0
        while sent < CSV_MAX_ROWS:
            rows = await _rows(conn, f, scope, before=before,
                               limit=min(CSV_CHUNK, CSV_MAX_ROWS - sent))
            names = await _names(scope, rows)
            for r in rows:
                name, phone = _contact(r)
                writer.writerow([cell(v) for v in (
                    r["tracking_no"], views.iso(r["created_at"]), r["kind"], r["category_id"],
                    r["channel"], r["status"], names.get(r["unit_id"], "") if r["unit_id"] else "",
                    r["title"], name, phone,
                )])
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
            sent += len(rows)
            if len(rows) < CSV_CHUNK:
                return
            before = rows[-1]["id"]

    return chunks()
