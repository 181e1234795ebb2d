"""Rate limits and lockouts shared by all replicas: in Redis when configured, else the database.

- :func:`hit`: a fixed-window counter that raises ``RateLimited`` past its limit;
  :func:`hit_then_locked` adds a lock's read (and on PostgreSQL without Redis a read of the
  caller's, e.g. the tracked case) to the same statement.
- Lockouts (:class:`Lockout`, :func:`locked_for`, :func:`fail`, :func:`forget`): failures of
  one kind (wrong passwords for a username, wrong query codes for a case) are counted; from
  ``threshold`` failures on, each one locks the key for ``base_s`` doubled per further failure
  (up to ``max_s``). The caller asks :func:`locked_for` first and answers every request the
  same 429 while a lock lasts, whatever the request carries.

Without Redis (or while it cannot be reached: ``hotline.redis_link``) both live in
``rate_bucket``: a counter is the row (key, window) and its count; a
lock is a row ``lock:<key>`` whose window column holds the second it ends.

A counter on the hot path (``hit(..., batched=True)``: the tracker's per-IP limit) is not
written on every request without Redis: on SQLite a committed write cost more than the rest
of the request, and it emptied every connection's page cache; on PostgreSQL every request
updated one hot row and waited for its commit to reach the WAL (~0.5 ms of the backend's CPU
per request, 2026-12-02). Its hits are counted in the process (:class:`_Tally`) and added to
``rate_bucket`` at most every :data:`FLUSH_S` seconds, in one statement that returns the
shared totals. One process counts exactly; other processes (``--workers N``, other replicas)
see its hits up to :data:`FLUSH_S` late, so N processes may let through up to N - 1 seconds'
worth of one another's hits past the limit: harmless for a per-IP limit on reads. Hits not
yet written when the process stops are not carried over. With Redis every hit is counted
where all processes share it at once; lockouts (:func:`fail`) are never batched.
"""

from __future__ import annotations

import logging
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.connection import get_connection

from hotline import redis_link, sqlread
from hotline.db import placeholders
from hotline.errors import RateLimited

log = logging.getLogger("hotline.ratelimit")


def _redis_client() -> Any:
    return redis_link.client()


async def reset_redis() -> None:
    await redis_link.reset()


async def _count(key: str, window: int, ttl_s: int, batched: bool = False) -> int:
    """Add one to the counter (key, window) and return its new value."""
    client = _redis_client()
    if client is not None:
        rkey = f"hotline:rl:{key}:{window}"
        pipe = client.pipeline()
        pipe.incr(rkey)
        pipe.expire(rkey, ttl_s)
        try:
            count, _ = await pipe.execute()
            return int(count)
        except Exception as exc:
            if not redis_link.unavailable(exc):
                raise
    conn = get_connection("default")
    if batched and not isinstance(conn, TransactionalDBClient):
        return await _tally(conn).count(key, window, time.time() + ttl_s)
    rows = await sqlread.write_returning(_COUNT_SQL, [key, window])
    return int(rows[0]["count"])


_COUNT_SQL = (
    'INSERT INTO rate_bucket (key, "window", count) VALUES (?, ?, 1) '
    'ON CONFLICT (key, "window") DO UPDATE SET count = rate_bucket.count + 1 RETURNING count'
)


async def hit(key: str, limit: int, window_s: int, *, batched: bool = False) -> None:
    """Count one hit on ``key``; raise ``RateLimited`` when the window already holds ``limit``.

    ``batched``: on SQLite without Redis, count in the process and write the counts at most
    every :data:`FLUSH_S` (see the module docstring): for a limit checked on every request of
    a busy read, where other processes learning of a hit a second late does no harm."""
    now = time.time()
    window = int(now // window_s)
    retry_after = int((window + 1) * window_s - now) + 1
    if await _count(key, window, window_s + 5, batched) > limit:
        raise RateLimited(retry_after)


Read = tuple[str, list[Any], str, str]
"""A read to join to a statement (``?`` markers): its SQL, parameters, a column never NULL in
its rows, and its order against the alias ``q`` (:func:`hotline.sqlread.fetch_if`)."""


async def hit_then_locked(key: str, limit: int, window_s: int, lock_key: str, *,
                          batched: bool = False,
                          then: Read | None = None) -> tuple[int, list[dict[str, Any]] | None]:
    """:func:`hit` on ``key``, then :func:`locked_for` ``lock_key``: the seconds its lock has
    left (0 if none), and the rows of ``then`` if it ran in the same statement (else None:
    the caller reads them itself).

    Where both go to PostgreSQL (no Redis, not in a transaction) it is one statement, one
    round trip: a batched hit counted in the process (written with the others every
    :data:`FLUSH_S`) and the lock's read and ``then`` in one read; else the counter's upsert
    in a ``WITH``, the lock's read and ``then`` beside it."""
    conn = get_connection("default")
    if (_redis_client() is not None or conn.capabilities.dialect == "sqlite"
            or isinstance(conn, TransactionalDBClient)):
        await hit(key, limit, window_s, batched=batched)
        return await locked_for(lock_key), None
    if batched:
        await hit(key, limit, window_s, batched=True)
        if then is None:
            return await locked_for(lock_key), None
        sql, read_params, read_key, order = then
        rows = await sqlread.fetch(_LOCK_THEN_READ_SQL.format(sql=sql, order=order),
                                   [f"lock:{lock_key}", *read_params])
        return _locked(rows[0]["lock_until"]), _then_rows(rows, read_key)
    now = time.time()
    window = int(now // window_s)
    retry_after = int((window + 1) * window_s - now) + 1
    params = [key, window, f"lock:{lock_key}"]
    if then is None:
        rows = await sqlread.write_returning(_COUNT_THEN_LOCK_SQL, params)
    else:
        sql, read_params, read_key, order = then
        rows = await sqlread.write_returning(
            _COUNT_THEN_LOCK_READ_SQL.format(sql=sql, order=order), params + read_params)
    head = rows[0]
    if int(head["hit_count"]) > limit:
        raise RateLimited(retry_after)
    if then is None:
        return _locked(head["lock_until"]), None
    for row in rows:
        del row["hit_count"]
    return _locked(head["lock_until"]), _then_rows(rows, then[2])


def _locked(until: Any) -> int:
    """Seconds left of a lock ending at ``until`` (epoch seconds, or None: no lock)."""
    left = float(until) - time.time() if until is not None else 0.0
    return int(left) + 1 if left > 0 else 0


def _then_rows(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The rows of a read joined beside the lock's (``lock_until`` taken out)."""
    for row in rows:
        del row["lock_until"]
    return [] if rows[0][key] is None else rows


_HIT_CTE = (  # PostgreSQL: a data-modifying WITH, run once whatever reads it
    'WITH hit AS (INSERT INTO rate_bucket (key, "window", count) VALUES (?, ?, 1) '
    'ON CONFLICT (key, "window") DO UPDATE SET count = rate_bucket.count + 1 RETURNING count) '
)
_LOCK_UNTIL = '(SELECT MAX("window") FROM rate_bucket WHERE key = ?) AS lock_until'
_COUNT_THEN_LOCK_SQL = (_HIT_CTE + f"SELECT hit.count AS hit_count, {_LOCK_UNTIL} FROM hit")
_LOCK_THEN_READ_SQL = (  # PostgreSQL: the lock and a read, one statement (no write)
    f"SELECT q.*, {_LOCK_UNTIL} FROM (SELECT 1) one LEFT JOIN ({{sql}}) q ON TRUE "
    "ORDER BY {order}"
)
_COUNT_THEN_LOCK_READ_SQL = (
    _HIT_CTE + f"SELECT q.*, (SELECT count FROM hit) AS hit_count, {_LOCK_UNTIL} "
    "FROM (SELECT 1) one LEFT JOIN ({sql}) q ON TRUE ORDER BY {order}"
)


# -- batched counters (without Redis) ----------------------------------------------------------
FLUSH_S = 1.0  # the longest a batched hit waits before it is written to rate_bucket
SHARED_KEYS_MAX = 50_000  # totals remembered at most; dropped ones are learned at the next write
_FLUSH_ROWS = 300  # (key, window, hits) rows per statement: 900 parameters


def _flush_sql(rows: int) -> str:
    return (
        'INSERT INTO rate_bucket (key, "window", count) VALUES '
        + ", ".join(["(?, ?, ?)"] * rows)
        + ' ON CONFLICT (key, "window") DO UPDATE SET count = rate_bucket.count + excluded.count '
        'RETURNING key, "window", count'
    )


@dataclass
class _Tally:
    """One database's batched counters in this process: the hits not yet written (and those
    being written), and each counter's shared total as the last write returned it."""

    pending: dict[tuple[str, int], int] = field(default_factory=dict)
    writing: dict[tuple[str, int], int] = field(default_factory=dict)
    shared: dict[tuple[str, int], int] = field(default_factory=dict)
    forget_at: dict[tuple[str, int], float] = field(default_factory=dict)  # time.time()
    next_write: float = 0.0  # time.time() from which a hit writes the pending ones

    async def count(self, key: str, window: int, forget_at: float) -> int:
        counter = (key, window)
        self.pending[counter] = self.pending.get(counter, 0) + 1
        self.forget_at[counter] = forget_at
        if not self.writing and time.time() >= self.next_write:
            await self.write()
        return (self.shared.get(counter, 0) + self.writing.get(counter, 0)
                + self.pending.get(counter, 0))

    async def write(self) -> None:
        """Add the pending hits to ``rate_bucket``; remember the totals it returns."""
        self.writing, self.pending = self.pending, {}
        try:
            items = list(self.writing.items())
            for start in range(0, len(items), _FLUSH_ROWS):
                chunk = items[start:start + _FLUSH_ROWS]
                params = [v for (key, window), hits in chunk for v in (key, window, hits)]
                rows = await sqlread.write_returning(_flush_sql(len(chunk)), params)
                for counter, _ in chunk:
                    del self.writing[counter]
                for row in rows:
                    self.shared[(row["key"], int(row["window"]))] = int(row["count"])
        except Exception:  # kept for the next write; counted here meanwhile
            log.warning("writing batched rate counters failed", exc_info=True)
            for counter, hits in self.writing.items():
                self.pending[counter] = self.pending.get(counter, 0) + hits
        finally:
            self.writing = {}
            self.next_write = time.time() + FLUSH_S
        now = time.time()
        self.forget_at = {c: t for c, t in self.forget_at.items() if t > now}
        if len(self.forget_at) > SHARED_KEYS_MAX:  # learned again at their next write
            self.forget_at = {c: t for c, t in self.forget_at.items() if c in self.pending}
        self.shared = {c: n for c, n in self.shared.items() if c in self.forget_at}


_TALLIES: weakref.WeakKeyDictionary[BaseDBAsyncClient, _Tally] = weakref.WeakKeyDictionary()


def _tally(conn: BaseDBAsyncClient) -> _Tally:
    tally = _TALLIES.get(conn)
    if tally is None:
        tally = _TALLIES[conn] = _Tally()
    return tally


def drop_batched() -> None:
    """Forget this process's batched counts, written or not (``rate_bucket`` was emptied)."""
    _TALLIES.clear()


# -- lockouts ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lockout:
    threshold: int  # failures that lock the key the first time
    base_s: int  # the first lock; each further failure doubles it
    max_s: int  # no lock longer than this
    memory_s: int  # failures are counted in fixed windows of this length

    def duration(self, failures: int) -> int:
        """How long ``failures`` failures lock the key (0: not yet)."""
        if failures < self.threshold:
            return 0
        doublings = min(failures - self.threshold, 32)
        return int(min(self.max_s, self.base_s * 2**doublings))


async def locked_for(*keys: str) -> int:
    """Seconds left of the longest lock on any of ``keys`` (0 if none is locked)."""
    client = _redis_client()
    values = None
    if client is not None:
        try:
            values = await client.mget([f"hotline:lock:{k}" for k in keys])
        except Exception as exc:
            if not redis_link.unavailable(exc):
                raise
    if values is not None:
        ends = [float(v) for v in values if v is not None]
    else:
        marks = ", ".join("?" * len(keys))  # a read on every tracker request: sqlread
        rows = await sqlread.fetch(
            f'SELECT MAX("window") AS until FROM rate_bucket WHERE key IN ({marks})',
            [f"lock:{k}" for k in keys],
        )
        ends = [float(rows[0]["until"])] if rows and rows[0]["until"] is not None else []
    return _locked(max(ends, default=None))


async def _lock(key: str, seconds: int) -> None:
    until = int(time.time()) + seconds
    client = _redis_client()
    if client is not None:
        try:
            await client.set(f"hotline:lock:{key}", until, ex=seconds + 1)
            return
        except Exception as exc:
            if not redis_link.unavailable(exc):
                raise
    conn = get_connection("default")
    ph = placeholders(conn, 2)
    await conn.execute_query(
        f"INSERT INTO rate_bucket (key, \"window\", count) VALUES ({ph[0]}, {ph[1]}, 1) "
        "ON CONFLICT (key, \"window\") DO NOTHING",
        [f"lock:{key}", until],
    )


async def fail(key: str, policy: Lockout) -> int:
    """Count one failure on ``key``; returns the lock it earned in seconds (0: none yet)."""
    window = int(time.time() // policy.memory_s)
    failures = await _count(f"fail:{key}", window, policy.memory_s + 5)
    seconds = policy.duration(failures)
    if seconds:
        await _lock(key, seconds)
    return seconds


async def forget(key: str, policy: Lockout) -> None:
    """Clear the failures counted on ``key`` (after a success); a lock in force stays."""
    window = int(time.time() // policy.memory_s)
    client = _redis_client()
    if client is not None:
        try:
            await client.delete(f"hotline:rl:fail:{key}:{window}")
            return
        except Exception as exc:
            if not redis_link.unavailable(exc):
                raise
    conn = get_connection("default")
    ph = placeholders(conn, 1)
    await conn.execute_query(f"DELETE FROM rate_bucket WHERE key = {ph[0]}", [f"fail:{key}"])


async def forget_containing(fragment: str) -> int:
    """Drop every Redis counter and lock whose key contains ``fragment`` (an erased person's
    lookup hash); returns how many. Without Redis the ``rate_bucket`` rows are the caller's
    to delete, in its own transaction (``privacy.erasure``)."""
    client = _redis_client()
    if client is None or not fragment:
        return 0
    keys = [
        k
        for pattern in (f"hotline:rl:*{fragment}*", f"hotline:lock:*{fragment}*")
        async for k in client.scan_iter(match=pattern, count=1000)
    ]
    if keys:
        await client.delete(*keys)
    return len(keys)
