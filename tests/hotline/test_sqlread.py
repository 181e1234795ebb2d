"""Raw statements on the default connection (hotline.sqlread): one-statement writes on the calling
thread (counted once, committed at once, inside a transaction part of it, never waiting on a
held write lock), and a read with its check (one statement on PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from hotline import ratelimit, sqlread
from hotline import settings as settings_mod
from hotline.errors import RateLimited

COUNT = ratelimit._COUNT_SQL


async def _stored(key: str) -> int | None:
    rows = await get_connection("default").execute_query_dict(
        sqlread.prepared(get_connection("default"),
                         'SELECT count FROM rate_bucket WHERE key = ? AND "window" = 1'),
        [key],
    )
    return int(rows[0]["count"]) if rows else None


def _sqlite() -> bool:
    return settings_mod.current().effective_database_url.startswith("sqlite")


async def test_each_write_counts_once_and_is_committed_at_once(app: Any) -> None:
    for expected in (1, 2, 3):
        rows = await sqlread.write_returning(COUNT, ["t-side", 1])
        assert rows == [{"count": expected}]
    assert await _stored("t-side") == 3  # the ORM's connection sees it
    if _sqlite():
        assert sqlread._WRITERS, "on SQLite the statement ran on the side connection"


async def test_inside_a_transaction_it_is_the_transactions(app: Any) -> None:
    class Undo(Exception):
        pass

    try:
        async with in_transaction():
            assert await sqlread.write_returning(COUNT, ["t-tx", 1]) == [{"count": 1}]
            raise Undo
    except Undo:
        pass
    assert await _stored("t-tx") is None  # rolled back with the transaction


async def test_a_held_write_lock_is_not_waited_for_on_the_loop(app: Any) -> None:
    writing, release = asyncio.Event(), asyncio.Event()

    async def long_write() -> None:
        async with in_transaction() as conn:
            await conn.execute_query_dict(
                sqlread.prepared(conn, COUNT), ["t-held", 1]
            )  # the write lock is held from here until the commit
            writing.set()
            await release.wait()

    holder = asyncio.create_task(long_write())
    await writing.wait()
    waiter = asyncio.create_task(sqlread.write_returning(COUNT, ["t-held", 1]))
    await asyncio.sleep(0.05)
    assert not waiter.done()  # queued behind the transaction, the loop free meanwhile
    release.set()
    await holder
    assert await waiter == [{"count": 2}]
    assert await _stored("t-held") == 2


async def test_side_writes_are_checkpointed_off_the_loop(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _sqlite():
        pytest.skip("SQLite only: elsewhere the ORM's connection writes")
    monkeypatch.setattr(sqlread, "CHECKPOINT_EVERY", 2)
    monkeypatch.setattr(sqlread, "_side_writes", 0)
    writer = sqlread._writer(get_connection("default"))
    assert writer is not None
    assert writer.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
    await sqlread.write_returning(COUNT, ["t-ckpt", 1])
    assert not sqlread._checkpointing
    await sqlread.write_returning(COUNT, ["t-ckpt", 1])
    running = list(sqlread._checkpointing)
    assert len(running) == 1  # on the ORM's connection, not awaited by the write
    await asyncio.gather(*running)
    assert await _stored("t-ckpt") == 2


async def test_a_read_with_a_check_gives_its_rows_only_while_the_check_holds(app: Any) -> None:
    for key, count in (("t-if-a", 1), ("t-if-b", 1), ("t-if-b", 1)):
        await sqlread.write_returning(COUNT, [key, count])
    rows_sql = 'SELECT key, count FROM rate_bucket WHERE key LIKE ? ORDER BY key DESC'
    holds = ('SELECT 1 FROM rate_bucket WHERE key = ?', ["t-if-b"])
    fails = ('SELECT 1 FROM rate_bucket WHERE key = ?', ["t-if-none"])

    async def read(check: sqlread.Check | None, like: str) -> list[dict[str, Any]] | None:
        return await sqlread.fetch_if(check, rows_sql, [like], key="key", order="q.key DESC")

    expected = [{"key": "t-if-b", "count": 2}, {"key": "t-if-a", "count": 1}]
    assert await read(holds, "t-if-%") == expected  # in order, without the check's column
    assert await read(None, "t-if-%") == expected
    assert await read(holds, "t-none-%") == []  # no rows, the check holding
    assert await read(fails, "t-if-%") is None
    assert await read(fails, "t-none-%") is None
    async with in_transaction():  # there, two statements on the transaction's connection
        assert await read(holds, "t-if-%") == expected
        assert await read(fails, "t-if-%") is None


async def test_a_hit_and_a_lock_are_read_together(app: Any) -> None:
    assert await ratelimit.hit_then_locked("t-hl-ip", 2, 60, "t-hl-case") == (0, None)
    read: ratelimit.Read = ('SELECT key, count FROM rate_bucket WHERE key = ?', ["t-hl-ip"],
                            "key", "q.key")
    locked, rows = await ratelimit.hit_then_locked("t-hl-ip", 2, 60, "t-hl-case", then=read)
    assert locked == 0
    # PostgreSQL without Redis: in the same statement, which reads the table as it was before
    combined = not _sqlite() and ratelimit._redis_client() is None
    assert rows == ([{"key": "t-hl-ip", "count": 1}] if combined else None)  # else the caller's
    with pytest.raises(RateLimited):
        await ratelimit.hit_then_locked("t-hl-ip", 2, 60, "t-hl-case", then=read)
    policy = ratelimit.Lockout(threshold=1, base_s=120, max_s=120, memory_s=3600)
    await ratelimit.fail("t-hl-case", policy)
    locked, _ = await ratelimit.hit_then_locked("t-hl-ip2", 2, 60, "t-hl-case")
    assert 115 < locked <= 121
    absent: ratelimit.Read = ('SELECT key FROM rate_bucket WHERE key = ?', ["none"], "key",
                              "q.key")
    _, rows = await ratelimit.hit_then_locked("t-hl-ip3", 2, 60, "t-hl-x", then=absent)
    assert rows == ([] if combined else None)
