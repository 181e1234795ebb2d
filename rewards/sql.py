"""Raw SQL for the few statements that must be atomic conditional writes."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient


def dialect(conn: BaseDBAsyncClient, sql: str) -> str:
    """``?`` placeholders for SQLite, ``$1, $2, ...`` for PostgreSQL."""
    if conn.capabilities.dialect == "sqlite":
        return sql
    parts = sql.split("?")
    return "".join(f"{p}${i}" for i, p in enumerate(parts[:-1], start=1)) + parts[-1]


async def execute(conn: BaseDBAsyncClient, sql: str, values: list[Any]) -> int:
    """Run an UPDATE; the number of rows it changed."""
    changed, _ = await conn.execute_query(dialect(conn, sql), values)
    return int(changed)


async def rows(conn: BaseDBAsyncClient, sql: str, values: list[Any]) -> list[dict[str, Any]]:
    return list(await conn.execute_query_dict(dialect(conn, sql), values))
