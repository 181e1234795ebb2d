"""PostgreSQL: the short reads of the hot paths on connections of their own, outside the pool.

A statement run through the ORM's client (``execute_query_dict``) outside a transaction costs
far more than the statement: Tortoise's wrapper (exception translation, a debug log call, the
pool's context manager) and asyncpg's pool (acquire, then on release a reset,
``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``: a second round trip,
and the backend's CPU to run it, for every statement). Measured on 2026-12-02 under wrk, the
reset and the pool were a third of a one-statement read's server CPU and half of
PostgreSQL's.

The reset is there to undo session state a borrower may have left (settings, advisory locks,
cursors, listeners, an open transaction). The statements :mod:`hotline.sqlread` runs here
leave none: a single statement each, outside a transaction, in autocommit, never ``SET``,
``LISTEN`` or a session lock. So :class:`Readers` keeps a few connections that only ever run
those, handed to one statement at a time and never reset; the pool (and its reset) stays for
everything else, the ORM's queries and transactions included.

Failures: a connection that fails (PostgreSQL restarted, the socket closed, the statement
cancelled half-way) is dropped, never reused; the next statement opens a new one. A read that
failed on a connection opened before is run once more on a new connection (a read is safe to
repeat; a PostgreSQL restart leaves every open connection dead, and the first statement on
each would otherwise fail after the server is back). A write (:func:`run` with ``retry=False``)
is not repeated. Errors reach the caller as they would through the ORM: the connection's
own (``OSError``, asyncpg's class 08 and 57P errors: 503s), or, as Tortoise translates them,
``OperationalError`` and ``IntegrityError``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import weakref
from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.exceptions import IntegrityError, OperationalError

log = logging.getLogger("hotline.pgread")

# asyncpg.create_pool's own arguments: not connect()'s
_POOL_ONLY = frozenset({"min_size", "max_size", "max_queries", "max_inactive_connection_lifetime",
                        "setup", "init", "reset", "loop"})


def _broken(exc: BaseException) -> bool:
    """The connection cannot be trusted after ``exc`` (lost, server going away, cancelled)."""
    if isinstance(exc, asyncpg.exceptions.DataError | asyncpg.exceptions.ClientConfigurationError):
        return False  # a parameter the driver refused before sending: the connection is fine
    state = str(getattr(exc, "sqlstate", "") or "")
    return state.startswith(("08", "57P")) or isinstance(
        exc, OSError | TimeoutError | asyncpg.InterfaceError | asyncpg.exceptions.FatalPostgresError
        | asyncpg.exceptions.InternalClientError | asyncio.CancelledError)


def _translated(exc: Exception) -> Exception:
    """``exc`` as Tortoise's asyncpg client raises it (``_translate_exceptions``)."""
    if isinstance(exc, asyncpg.SyntaxOrAccessError | asyncpg.exceptions.DataError):
        return OperationalError(exc)
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        return IntegrityError(exc)
    return exc


class Readers:
    """Up to ``size`` connections of the client's database, each running one statement at a
    time; a statement finding none free waits for the first one handed back."""

    def __init__(self, client: AsyncpgDBClient, size: int) -> None:
        self._client = client
        self._size = max(1, size)
        self._idle: collections.deque[asyncpg.Connection] = collections.deque()
        self._open = 0  # connections open or opening
        self._waiters: collections.deque[asyncio.Future[asyncpg.Connection | None]] = (
            collections.deque())
        self._closed = False

    def _connect_args(self) -> dict[str, Any]:
        template = dict(self._client._template)
        if not template:  # the ORM has not opened its pool yet
            raise RuntimeError("the ORM's connection is not open")
        args = {k: v for k, v in template.items() if k not in _POOL_ONLY}
        args["password"] = self._client.password
        return args

    async def _take(self) -> tuple[asyncpg.Connection, bool]:
        """A connection for one statement, and whether it was opened for it."""
        while self._idle:
            conn = self._idle.pop()  # the most recently used: its pages and plans are warm
            if not conn.is_closed():
                return conn, False
            self._open -= 1
        if self._open < self._size:
            return await self._new(), True
        waiter: asyncio.Future[asyncpg.Connection | None] = (
            asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        try:
            conn = await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():  # handed over as we were cancelled
                handed = waiter.result()
                if handed is None:
                    self._wake_for_slot()
                else:
                    self._give(handed)
            raise
        if conn is None:  # a slot was freed (a connection dropped): open one for us
            return await self._new(), True
        return conn, False

    async def _new(self) -> asyncpg.Connection:
        self._open += 1
        try:
            return await asyncpg.connect(**self._connect_args())
        except BaseException:
            self._open -= 1
            self._wake_for_slot()
            raise

    def _give(self, conn: asyncpg.Connection) -> None:
        """Hand ``conn`` back: to the first waiter, else to the idle ones."""
        if self._closed or conn.is_closed():
            self._drop(conn)
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append(conn)

    def _drop(self, conn: asyncpg.Connection) -> None:
        self._open -= 1
        conn.terminate()
        self._wake_for_slot()

    def _wake_for_slot(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def fetch(self, sql: str, params: list[Any], *, retry: bool = True) -> list[Any]:
        """The records of one statement (``$n`` markers)."""
        for attempt in (1, 2):
            conn, fresh = await self._take()
            try:
                rows = await conn.fetch(sql, *params)
            except Exception as exc:
                if not _broken(exc) and not conn.is_closed():
                    self._give(conn)
                else:
                    self._drop(conn)
                    if not (fresh or not retry or attempt == 2 or self._closed):
                        log.info("read failed on a kept connection (%r): once more on a new one",
                                 exc)
                        continue
                translated = _translated(exc)
                if translated is exc:
                    raise
                raise translated from exc
            except BaseException:  # cancelled half-way: the connection's state is unknown
                self._drop(conn)
                raise
            self._give(conn)
            return rows
        raise AssertionError("unreachable")

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = list(self._idle), collections.deque()
        for conn in idle:
            self._open -= 1
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)
            if not conn.is_closed():
                conn.terminate()
        self._wake_for_slot()


_READERS: weakref.WeakKeyDictionary[AsyncpgDBClient, Readers] = weakref.WeakKeyDictionary()


def readers(client: Any) -> Readers | None:
    """The kept connections of an asyncpg client outside a transaction (None for any other
    client: SQLite, a transaction's connection, or a client whose pool is not open yet)."""
    if type(client) is not AsyncpgDBClient:  # a TransactionWrapper is a subclass
        return None
    found = _READERS.get(client)
    if found is None:
        if client._pool is None or not client._template:
            return None
        found = _READERS[client] = Readers(client, client.pool_maxsize)
    return found


async def close_all() -> None:
    """Close every kept connection (the ORM's connections are closing)."""
    kept = list(_READERS.values())
    _READERS.clear()
    for r in kept:
        await r.close()
