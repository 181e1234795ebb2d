"""Leases: a periodic job runs in one process at a time, across processes and hosts.

Every process started with workers (``hotline serve`` with ``HOTLINE_RUN_WORKERS``, each
``--workers`` child, ``hotline worker``) starts every periodic job through :func:`exclusive`. A
job's loop only runs while its process holds the job's lease; the others wait, trying to take
it every ``ttl / 3``. The holder renews it as often; a holder that died (``kill -9``) loses it
after ``ttl`` and another process takes over. A holder that fails to renew (the database away)
stops its job at once, before the lease can pass to anyone else, so two holders never overlap
by more than one renewal's round trip. A holder shutting down releases the lease.

The lease is a row of ``job_lease(name, holder, until)`` (epoch milliseconds), taken by one
conditional ``UPDATE … WHERE name = ? AND (until < now OR holder = me)``: the database decides,
on SQLite and PostgreSQL alike. With ``HOTLINE_LEASE_BACKEND=redis`` (and ``HOTLINE_REDIS_URL``)
it is a Redis key taken with ``SET NX PX`` and renewed/released only by its holder (a Lua
check-and-set); while Redis is away nobody can take or renew it, so the jobs pause rather
than risk running twice. The default is the database: the jobs need it anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable

from tortoise.connection import get_connection

from hotline import redis_link
from hotline import settings as settings_mod
from hotline.db import dialect_sql

log = logging.getLogger("hotline.leases")

HOLDER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
DEFAULT_TTL_S = 30.0

ENSURE_SQL = (
    "INSERT INTO job_lease (name, holder, until) VALUES (?, '', 0) ON CONFLICT (name) DO NOTHING"
)
TAKE_SQL = (
    "UPDATE job_lease SET holder = ?, until = ? WHERE name = ? AND (until < ? OR holder = ?)"
)
RELEASE_SQL = "UPDATE job_lease SET until = 0 WHERE name = ? AND holder = ?"

RENEW_LUA = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
"""
RELEASE_LUA = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def _now_ms() -> int:
    return int(time.time() * 1000)


def _use_redis() -> bool:
    s = settings_mod.current()
    return s.lease_backend == "redis" and bool(s.redis_url)


async def acquire(name: str, ttl_s: float = DEFAULT_TTL_S, holder: str = HOLDER) -> bool:
    """Take or renew the lease ``name`` for ``ttl_s``; True if ``holder`` has it now."""
    if _use_redis():
        client = redis_link.client()
        if client is None:
            return False
        try:
            got = await client.eval(RENEW_LUA, 1, f"hotline:lease:{name}", holder,
                                    int(ttl_s * 1000))
        except Exception as exc:
            if redis_link.unavailable(exc):
                return False
            raise
        return bool(got)
    conn = get_connection("default")
    now = _now_ms()
    await conn.execute_query(dialect_sql(conn, ENSURE_SQL), [name])
    count, _ = await conn.execute_query(
        dialect_sql(conn, TAKE_SQL), [holder, now + int(ttl_s * 1000), name, now, holder]
    )
    return count == 1


async def release(name: str, holder: str = HOLDER) -> None:
    """Give the lease up (a shutting-down holder), so another process takes it at once."""
    if _use_redis():
        client = redis_link.client()
        if client is not None:
            with contextlib.suppress(Exception):
                await client.eval(RELEASE_LUA, 1, f"hotline:lease:{name}", holder)
        return
    conn = get_connection("default")
    await conn.execute_query(dialect_sql(conn, RELEASE_SQL), [name, holder])


async def _try(name: str, ttl_s: float, holder: str) -> bool:
    try:
        return await acquire(name, ttl_s, holder)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the database away: not ours (any more)
        log.warning("lease %s: cannot take or renew it (%r)", name, exc)
        return False


async def exclusive(
    name: str,
    job: Callable[[], Awaitable[None]],
    ttl_s: float = DEFAULT_TTL_S,
    holder: str = HOLDER,
) -> None:
    """Run ``job()`` (a loop that runs until cancelled) only while holding the lease ``name``;
    forever: wait for the lease, run, stop the job when the lease is lost, wait again."""
    step = ttl_s / 3
    while True:
        await _wait_for(name, ttl_s, holder, step)
        log.info("lease %s taken by %s", name, holder)
        task = asyncio.ensure_future(job())
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=step)
                if not task.done() and not await _try(name, ttl_s, holder):
                    log.warning("lease %s lost by %s: job stopped", name, holder)
                    break
        except asyncio.CancelledError:  # shutting down: stop the job, hand the lease on
            await _stop(task)
            with contextlib.suppress(Exception):
                await asyncio.shield(release(name, holder))
            raise
        await _stop(task)
        await asyncio.sleep(step)  # ended or lost: give another process its chance


async def _wait_for(name: str, ttl_s: float, holder: str, step: float) -> None:
    while True:
        if await _try(name, ttl_s, holder):
            return
        await asyncio.sleep(step)


async def _stop(task: asyncio.Future[None]) -> None:
    if not task.done():
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
    elif not task.cancelled() and task.exception() is not None:
        log.error("periodic job ended", exc_info=task.exception())
