"""Rate limits and lockouts shared by all replicas: in Redis when configured, else the database.

- :func:`hit`: a fixed-window counter that raises ``RateLimited`` past its limit.
- Lockouts (:class:`Lockout`, :func:`locked_for`, :func:`fail`, :func:`forget`): failures of
  one kind (wrong passwords for a username, wrong query codes for a case) are counted; from
  ``threshold`` failures on, each one locks the key for ``base_s`` doubled per further failure
  (up to ``max_s``). The caller asks :func:`locked_for` first and answers every request the
  same 429 while a lock lasts, whatever the request carries.

Without Redis (or while it cannot be reached: ``hotline.redis_link``) both live in
``rate_bucket``: a counter is the row (key, window) and its count; a
lock is a row ``lock:<key>`` whose window column holds the second it ends.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tortoise.connection import get_connection

from hotline import redis_link, sqlread
from hotline.db import placeholders
from hotline.errors import RateLimited


def _redis_client() -> Any:
    return redis_link.client()


async def reset_redis() -> None:
    await redis_link.reset()


async def _count(key: str, window: int, ttl_s: int) -> int:
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
    # on every tracker request: a fixed statement, on SQLite written on the calling thread
    rows = await sqlread.write_returning(_COUNT_SQL, [key, window])
    return int(rows[0]["count"])


_COUNT_SQL = (
    'INSERT INTO rate_bucket (key, "window", count) VALUES (?, ?, 1) '
    'ON CONFLICT (key, "window") DO UPDATE SET count = rate_bucket.count + 1 RETURNING count'
)


async def hit(key: str, limit: int, window_s: int) -> None:
    """Count one hit on ``key``; raise ``RateLimited`` when the window already holds ``limit``."""
    now = time.time()
    window = int(now // window_s)
    retry_after = int((window + 1) * window_s - now) + 1
    if await _count(key, window, window_s + 5) > limit:
        raise RateLimited(retry_after)


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
    now = time.time()
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
    left = max(ends, default=0.0) - now
    return int(left) + 1 if left > 0 else 0


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
