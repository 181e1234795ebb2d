"""Raw reads for the hot read paths: fixed SQL, converted once per dialect, and row values.

An ORM query is built anew (pypika) and hydrated into a model on every call, which on a short
read costs more than the database does. The read paths use fixed statements written with ``?``
markers instead; :func:`fetch` runs one on the default connection. The value helpers read a
column back as the ORM would give it: aware UTC datetimes (ISO text on SQLite), parsed JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection

from hotline.db import dialect_sql

_PREPARED: dict[tuple[str, str], str] = {}


def prepared(conn: BaseDBAsyncClient, sql: str) -> str:
    """``sql`` (with ``?`` markers) for ``conn``'s dialect, converted once per dialect."""
    key = (conn.capabilities.dialect, sql)
    text = _PREPARED.get(key)
    if text is None:
        text = _PREPARED[key] = dialect_sql(conn, sql)
    return text


async def fetch(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """The rows of ``sql`` (``?`` markers) on the default connection, as dicts."""
    conn = get_connection("default")
    return await conn.execute_query_dict(prepared(conn, sql), params)


def when(value: Any) -> datetime | None:
    """A timestamp column: ISO text on SQLite, a datetime on PostgreSQL; aware, in UTC."""
    if value is None:
        return None
    at = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def time_param(at: datetime) -> Any:
    """A timestamp parameter compared with stored ones (the ORM stores ISO text on SQLite)."""
    at = at.astimezone(UTC)
    return at.isoformat(" ") if get_connection("default").capabilities.dialect == "sqlite" else at


def json_value(value: Any) -> Any:
    """A JSON column: text on SQLite (and asyncpg without a codec), else already parsed."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value
