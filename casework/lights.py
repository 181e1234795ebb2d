"""Open cases by traffic light, for the metrics scrape: one pass over the
``(next_due_at, warn_at)`` index (open cases with a due date, as the sweeper sees them)."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.connection import get_connection

from casework.queues import db_time
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
