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
            source = 'FROM case_search s JOIN "case" c ON c.id = s.case_id'
            q = " && ".join(["plainto_tsquery('simple', ?)"] * len(terms))
            conds.append(f"s.tsv @@ ({q})")
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


def _order_column(conn: BaseDBAsyncClient, source: str) -> str:
    # FTS5 hands out matches in rowid order: ordering by it stops at the page's last row; on
    # PostgreSQL the index's own key lets a common term walk case_search newest first
    if source.startswith("FROM case_search JOIN"):
        return "case_search.rowid"
    return "s.case_id" if source.startswith("FROM case_search s") else "c.id"


async def _rows(
    conn: BaseDBAsyncClient, f: Filters, scope: queues.Scope, *, before: int | None, limit: int
) -> list[dict[str, Any]]:
    source, where, params = _where(conn, f, scope)
    order = _order_column(conn, source)
    if before is not None:
        where += f" AND {order} < ?"
        params.append(before)
    cols = ", ".join(f"c.{c}" for c in ROW_FIELDS)
    sql = f"SELECT {cols} {source} WHERE {where} ORDER BY {order} DESC LIMIT {int(limit)}"
    rows = await conn.execute_query_dict(dialect_sql(conn, sql), params)
    for r in rows:
        for k in ("created_at", "next_due_at", "warn_at"):
            r[k] = queues.from_db_time(r[k])
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
