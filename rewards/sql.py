"""Raw SQL for the few statements that must be atomic conditional writes."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from hotline.db import dialect_sql


async def execute(conn: BaseDBAsyncClient, sql: str, values: list[Any]) -> int:
    """Run an UPDATE; the number of rows it changed."""
    changed, _ = await conn.execute_query(dialect_sql(conn, sql), values)
    return int(changed)


async def rows(conn: BaseDBAsyncClient, sql: str, values: list[Any]) -> list[dict[str, Any]]:
    return list(await conn.execute_query_dict(dialect_sql(conn, sql), values))
