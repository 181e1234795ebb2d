"""Raw reads for the hot read paths: fixed SQL, converted once per dialect, and row values.

An ORM query is built anew (pypika) and hydrated into a model on every call, which on a short
read costs more than the database does. The read paths use fixed statements written with ``?``
markers instead; :func:`fetch` runs one on the default connection. The value helpers read a
column back as the ORM would give it: aware UTC datetimes (ISO text on SQLite), parsed JSON.

On SQLite the ORM's connection runs each statement on its own thread (aiosqlite): the hand-over
to that thread and back costs several times what an indexed look-up does. So, outside a
transaction, :func:`fetch` runs its statement on a second, read-only connection of the same
file, on the calling thread: WAL lets it read beside the writer, and in autocommit every
statement sees what was committed before it. Only short indexed reads go through
:func:`fetch` (a case by number, a page of a citizen's cases, a principal, a unit subtree). A
reader that is busy (a checkpoint) or failing is not waited for: the statement goes to the
ORM's connection instead. Inside a transaction, and on PostgreSQL (asyncpg runs on the event
loop), :func:`fetch` uses the ORM's connection as it is.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import weakref
from datetime import UTC, datetime
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.backends.sqlite.client import SqliteClient
from tortoise.connection import get_connection

from hotline import pgread
from hotline.db import dialect_sql

log = logging.getLogger("hotline.sqlread")

_PREPARED: dict[tuple[str, str], str] = {}


def prepared(conn: BaseDBAsyncClient, sql: str) -> str:
    """``sql`` (with ``?`` markers) for ``conn``'s dialect, converted once per dialect."""
    key = (conn.capabilities.dialect, sql)
    text = _PREPARED.get(key)
    if text is None:
        text = _PREPARED[key] = dialect_sql(conn, sql)
    return text


_READERS: weakref.WeakKeyDictionary[SqliteClient, sqlite3.Connection] = (
    weakref.WeakKeyDictionary()
)
READER_BUSY_MS = 50  # at most this long on the event loop; then the ORM's connection


def _reader(conn: BaseDBAsyncClient) -> sqlite3.Connection | None:
    """The read-only connection beside ``conn`` (SQLite, outside a transaction), else None."""
    if not isinstance(conn, SqliteClient) or isinstance(conn, TransactionalDBClient):
        return None
    reader = _READERS.get(conn)
    if reader is None:
        if conn.filename == ":memory:" or conn._connection is None:  # not opened by the ORM yet
            return None
        reader = sqlite3.connect(f"file:{conn.filename}?mode=ro", uri=True,
                                 isolation_level=None, check_same_thread=False)
        reader.execute(f"PRAGMA busy_timeout = {READER_BUSY_MS}")
        _READERS[conn] = reader
    return reader


def close_readers() -> None:
    """Close every read-only connection and side writer (the ORM's connections are closing)."""
    for side in [*_READERS.values(), *_WRITERS.values()]:
        side.close()
    _READERS.clear()
    _WRITERS.clear()


# -- one-statement writes on the calling thread ------------------------------------------------
_WRITERS: weakref.WeakKeyDictionary[SqliteClient, sqlite3.Connection] = (
    weakref.WeakKeyDictionary()
)


def _writer(conn: BaseDBAsyncClient) -> sqlite3.Connection | None:
    """A second read-write connection beside ``conn`` (SQLite, outside a transaction), with the
    ORM connection's pragmas but no busy wait: a write lock held elsewhere is not waited for."""
    if not isinstance(conn, SqliteClient) or isinstance(conn, TransactionalDBClient):
        return None
    writer = _WRITERS.get(conn)
    if writer is None:
        if conn.filename == ":memory:" or conn._connection is None:
            return None
        writer = sqlite3.connect(conn.filename, isolation_level=None, check_same_thread=False)
        for pragma, value in conn.pragmas.items():
            if pragma != "busy_timeout":
                writer.execute(f"PRAGMA {pragma}={value}")
        writer.execute("PRAGMA busy_timeout = 0")
        # its commits never checkpoint: that copies pages into the file and syncs it, which
        # must not stall the event loop; _checkpoint has the ORM's thread do it instead
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        _WRITERS[conn] = writer
    return writer


CHECKPOINT_EVERY = 500  # side writes between two checkpoints (each adds a page or two)
_side_writes = 0
_checkpointing: set[asyncio.Task[None]] = set()


def _wrote(conn: BaseDBAsyncClient) -> None:
    """Count a side write; every CHECKPOINT_EVERY, a passive checkpoint on the ORM's
    connection (its own thread), as its own commits would have run (``wal_autocheckpoint``)."""
    global _side_writes
    _side_writes += 1
    if _side_writes < CHECKPOINT_EVERY or _checkpointing:
        return
    _side_writes = 0
    task = asyncio.get_running_loop().create_task(_checkpoint(conn))
    _checkpointing.add(task)
    task.add_done_callback(_checkpointing.discard)


async def _checkpoint(conn: BaseDBAsyncClient) -> None:
    try:
        await conn.execute_query("PRAGMA wal_checkpoint(PASSIVE)")
    except Exception:  # the next commit of the ORM's connection checkpoints anyway
        log.warning("WAL checkpoint after side writes failed", exc_info=True)


def _dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    """A side connection's rows as dicts, as the ORM's ``execute_query_dict`` gives them."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


async def write_returning(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Run one short, indexed write statement (``?`` markers; its own transaction, committed
    at once) on the default connection and return its rows (``RETURNING``).

    On SQLite, outside a transaction, it runs on a side connection on the calling thread, as
    :func:`fetch` reads: a counter's upsert costs a few tens of microseconds there, and several
    times that handed over to the ORM's thread and back. If the write lock is held (the ORM's
    connection is writing) it is not waited for, nor is a failure reported from there: the
    statement goes to the ORM's connection, which queues it behind that write. Inside a
    transaction, and on PostgreSQL, the ORM's connection runs it as it is."""
    conn = get_connection("default")
    writer = _writer(conn)
    if writer is not None:
        try:
            rows = _dicts(writer.execute(sql, params))
        except sqlite3.Error:  # busy (or failing): the ORM's connection decides
            if writer.in_transaction:  # leave nothing open on the side connection
                writer.rollback()
        else:
            _wrote(conn)
            return rows
    return await _run(conn, prepared(conn, sql), params, retry=False)


async def _run(conn: BaseDBAsyncClient, sql: str, params: list[Any], *,
               retry: bool = True) -> list[dict[str, Any]]:
    """``sql`` (the connection's markers) on ``conn``: on PostgreSQL outside a transaction on
    a kept connection of :mod:`hotline.pgread` (no pool, no reset), else through the ORM."""
    kept = pgread.readers(conn)
    if kept is not None:
        return [dict(r) for r in await kept.fetch(sql, params, retry=retry)]
    return await conn.execute_query_dict(sql, params)


async def fetch(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """The rows of ``sql`` (``?`` markers) on the default connection, as dicts (a short,
    indexed read: on SQLite it may run on the calling thread, see the module docstring)."""
    conn = get_connection("default")
    reader = _reader(conn)
    if reader is not None:
        try:
            return _dicts(reader.execute(sql, params))
        except sqlite3.Error:
            pass  # busy or failing: the ORM's connection decides
    return await _run(conn, prepared(conn, sql), params)


Check = tuple[str, list[Any]]
"""A statement (``?`` markers) and its parameters that returns a row while something holds
(the caller's session, :func:`identity.tokens.citizen_check`)."""


async def fetch_if(check: Check | None, sql: str, params: list[Any], *, key: str,
                   order: str) -> list[dict[str, Any]] | None:
    """The rows of ``sql`` if ``check`` returns a row (or is None), else None.

    On PostgreSQL, outside a transaction, both go in one statement, one round trip: ``sql``
    is joined to the one row of the check's ``EXISTS`` (its rows ordered again by ``order``,
    written against the alias ``q``; ``key``, a column never NULL in a row of ``sql``, tells
    its rows from the one row a join to none gives). Elsewhere they are two :func:`fetch`
    calls, the check first."""
    if check is None:
        return await fetch(sql, params)
    conn = get_connection("default")
    if conn.capabilities.dialect == "sqlite" or isinstance(conn, TransactionalDBClient):
        return await fetch(sql, params) if await fetch(*check) else None
    joined = prepared(conn, f"SELECT q.*, EXISTS ({check[0]}) AS check_ok FROM (SELECT 1) one "
                            f"LEFT JOIN ({sql}) q ON TRUE ORDER BY {order}")
    rows = await _run(conn, joined, [*check[1], *params])
    if not rows or not rows[0].pop("check_ok"):
        return None
    for row in rows[1:]:
        del row["check_ok"]
    return [] if rows[0][key] is None else rows


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


async def fetch_scan(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """The rows of ``sql`` (``?`` markers, made per call: it may vary) on the ORM's connection,
    never on the event loop's thread: for a read that may scan many rows (a queue's filters)."""
    conn = get_connection("default")
    return await _run(conn, dialect_sql(conn, sql), params)
