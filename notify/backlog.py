"""The outbox backlog, read when metrics are scraped: cheap queries on the status index."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.connection import get_connection

from hotline.db import dialect_sql

# rows not yet sent: waiting (pending, also those held for quiet hours or a retry) or claimed
_SQL = (
    "SELECT status, COUNT(*) AS n, MIN(created_at) AS oldest, "
    "SUM(CASE WHEN next_attempt_at <= ? THEN 1 ELSE 0 END) AS due "
    "FROM outbox_message WHERE status IN ('pending', 'sending') GROUP BY status"
)


@dataclass
class Backlog:
    unsent: dict[str, int] = field(default_factory=lambda: {"pending": 0, "sending": 0})
    due: int = 0  # pending rows whose time has come (what the worker is behind by)
    oldest_age_s: float = 0.0  # age of the oldest unsent row; 0 when there is none


def _param(dialect: str, at: datetime) -> object:
    return at.isoformat(" ") if dialect == "sqlite" else at  # as the ORM stores it (UTC)


def _read(value: object) -> datetime | None:
    """A timestamp read by raw SQL: SQLite gives ISO text, PostgreSQL a datetime."""
    if value is None:
        return None
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def backlog(now: datetime | None = None) -> Backlog:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    conn = get_connection("default")
    at = _param(conn.capabilities.dialect, now)
    rows = await conn.execute_query_dict(dialect_sql(conn, _SQL), [at])
    result = Backlog()
    oldest: datetime | None = None
    for row in rows:
        result.unsent[str(row["status"])] = int(row["n"])
        if row["status"] == "pending":
            result.due = int(row["due"] or 0)
        created = _read(row["oldest"])
        if created is not None:
            oldest = created if oldest is None else min(oldest, created)
    if oldest is not None:
        result.oldest_age_s = max(0.0, (now - oldest).total_seconds())
    return result
