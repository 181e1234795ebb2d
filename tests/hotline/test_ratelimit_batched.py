"""The tracker's per-IP limit (``ratelimit.hit(..., batched=True)``): without Redis (SQLite or
PostgreSQL) the hits are counted in the process and written to ``rate_bucket`` at most every
``FLUSH_S``; the limit holds exactly in the process and learns other processes' hits from
each write. With Redis every hit is counted where all processes share it."""

from __future__ import annotations

import time
from typing import Any

import pytest
from tortoise.connection import get_connection

from hotline import ratelimit, sqlread
from hotline import settings as settings_mod
from hotline.errors import RateLimited
from tests.conftest import COMPLAINT, bearer


class Clock:
    """Stands in for the ``time`` module inside hotline.ratelimit."""

    def __init__(self) -> None:
        self.now = time.time() // 60 * 60 + 1  # early in a minute: the window stays put

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake


def _batched_here() -> bool:
    s = settings_mod.current()
    return not s.redis_url


def _in_the_table() -> None:
    if settings_mod.current().redis_url:
        pytest.skip("with Redis the counters live there")


async def _stored(key: str, window: int) -> int | None:
    conn = get_connection("default")
    rows = await conn.execute_query_dict(
        sqlread.prepared(conn, 'SELECT count FROM rate_bucket WHERE key = ? AND "window" = ?'),
        [key, window],
    )
    return int(rows[0]["count"]) if rows else None


async def test_the_tracker_answers_429_past_the_limit_per_ip(
    client: Any, citizen_token: str, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    monkeypatch.setattr(settings_mod.current(), "track_per_ip_per_minute", 5)
    filed = (await client.post("/api/v1/cases", json=COMPLAINT,
                               headers=bearer(citizen_token))).json()
    url = f"/api/v1/track/{filed['tracking_no']}?code={filed['query_code']}"
    statuses = [(await client.get(url)).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    clock.now += 60  # the next minute
    assert (await client.get(url)).status_code == 200


async def test_batched_hits_reach_the_table_within_a_flush_interval(clock: Clock) -> None:
    _in_the_table()
    window = int(clock.now // 60)
    for _ in range(3):
        await ratelimit.hit("track-ip:192.0.2.1", 10, 60, batched=True)
    if _batched_here():
        assert await _stored("track-ip:192.0.2.1", window) == 1  # the first hit wrote
    else:
        assert await _stored("track-ip:192.0.2.1", window) == 3  # each hit wrote
    clock.now += ratelimit.FLUSH_S
    await ratelimit.hit("track-ip:192.0.2.1", 10, 60, batched=True)
    assert await _stored("track-ip:192.0.2.1", window) == 4


async def test_hits_of_another_process_count_from_the_next_write(clock: Clock) -> None:
    _in_the_table()
    key, window = "track-ip:192.0.2.2", int(clock.now // 60)
    await ratelimit.hit(key, 10, 60, batched=True)
    # another process on the same database has counted 8 hits of the same IP
    conn = get_connection("default")
    await conn.execute_query(
        sqlread.prepared(conn, 'UPDATE rate_bucket SET count = count + 8 '
                               'WHERE key = ? AND "window" = ?'), [key, window])
    clock.now += ratelimit.FLUSH_S
    await ratelimit.hit(key, 10, 60, batched=True)  # the 10th
    with pytest.raises(RateLimited):
        await ratelimit.hit(key, 10, 60, batched=True)
    assert await _stored(key, window) in (10, 11)  # the refused hit is written later, or now


async def test_within_a_process_the_limit_is_exact_between_writes(clock: Clock) -> None:
    for _ in range(4):
        await ratelimit.hit("track-ip:192.0.2.3", 4, 60, batched=True)
    with pytest.raises(RateLimited):
        await ratelimit.hit("track-ip:192.0.2.3", 4, 60, batched=True)


async def test_a_failed_write_keeps_the_hits_for_the_next(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _batched_here():
        pytest.skip("batched only on SQLite without Redis")
    key, window = "track-ip:192.0.2.4", int(clock.now // 60)
    real = sqlread.write_returning

    async def failing(sql: str, params: list[Any]) -> list[dict[str, Any]]:
        raise OSError("disk gone")

    monkeypatch.setattr(sqlread, "write_returning", failing)
    for _ in range(3):
        await ratelimit.hit(key, 10, 60, batched=True)
    with pytest.raises(RateLimited):  # still counted in the process meanwhile
        await ratelimit.hit(key, 3, 60, batched=True)
    monkeypatch.setattr(sqlread, "write_returning", real)
    clock.now += ratelimit.FLUSH_S
    await ratelimit.hit(key, 10, 60, batched=True)
    assert await _stored(key, window) == 5
