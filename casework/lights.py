"""Open cases by traffic light, for the metrics scrape: one pass over the
``(next_due_at, warn_at)`` index (open cases with a due date, as the sweeper sees them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.connection import get_connection

from casework.queues import Scope, db_time, scope_sql
from casework.transitions import OPEN_STATES
from hotline.db import dialect_sql

# the same comparisons as casework.deadlines.light: red after the due time, yellow from warn_at
_SQL = (
    'SELECT COUNT(*) AS total, SUM(CASE WHEN next_due_at < ? THEN 1 ELSE 0 END) AS red, '
    "SUM(CASE WHEN next_due_at >= ? AND warn_at <= ? THEN 1 ELSE 0 END) AS yellow "
    'FROM "case" WHERE next_due_at IS NOT NULL AND status IN ('
    + ", ".join(f"'{s}'" for s in sorted(OPEN_STATES)) + ")"
)


async def light_counts(now: datetime | None = None) -> dict[str, int]:
    """``{"red": n, "yellow": n, "green": n}`` over the cases that have a due date."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    conn = get_connection("default")
    at = db_time(conn, now)
    rows = await conn.execute_query_dict(dialect_sql(conn, _SQL), [at, at, at])
    row = rows[0] if rows else {}
    total, red, yellow = (int(row.get(k) or 0) for k in ("total", "red", "yellow"))
    return {"red": red, "yellow": yellow, "green": max(0, total - red - yellow)}


_BY_UNIT_SQL = (
    "SELECT unit_id, COUNT(*) AS open, SUM(CASE WHEN next_due_at < ? THEN 1 ELSE 0 END) AS red, "
    "SUM(CASE WHEN next_due_at >= ? AND warn_at <= ? THEN 1 ELSE 0 END) AS yellow "
    'FROM "case" WHERE status IN ('
    + ", ".join(f"'{s}'" for s in sorted(OPEN_STATES)) + "){scope} GROUP BY unit_id"
)


async def by_unit(scope: Scope, now: datetime | None = None) -> list[dict[str, Any]]:
    """Open cases of a scope per responsible unit, with the same light comparisons as
    :func:`light_counts` (a case with nothing due counts as open, not as a light):
    ``[{unit_id, open, red, yellow, green}]``, most red first, then most yellow, most open.
    Cases at the 12345 centre (no unit yet) have ``unit_id`` None."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    conn = get_connection("default")
    at = db_time(conn, now)
    clause, params = scope_sql(scope)
    sql = dialect_sql(conn, _BY_UNIT_SQL.format(scope=clause))
    rows = await conn.execute_query_dict(sql, [at, at, at, *params])
    out = []
    for r in rows:
        total, red, yellow = (int(r.get(k) or 0) for k in ("open", "red", "yellow"))
        out.append({"unit_id": r["unit_id"], "open": total, "red": red, "yellow": yellow,
                    "green": total - red - yellow})
    out.sort(key=lambda u: (-u["red"], -u["yellow"], -u["open"], u["unit_id"] or 0))
    return out
