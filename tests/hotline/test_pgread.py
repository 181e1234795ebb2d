"""PostgreSQL's kept read connections (hotline.pgread): no reset between statements, one
statement at a time per connection, a dead connection dropped and the read run once more on a
new one, a cancelled statement's connection never reused, errors as the ORM raises them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tortoise.connection import get_connection
from tortoise.exceptions import OperationalError

from hotline import pgread, sqlread
from hotline import settings as settings_mod

pytestmark = pytest.mark.skipif(
    "not __import__('os').environ.get('HOTLINE_TEST_POSTGRES_URL')",
    reason="PostgreSQL only (HOTLINE_TEST_POSTGRES_URL)",
)


def _kept() -> pgread.Readers:
    assert settings_mod.current().effective_database_url.startswith("postgres")
    kept = pgread.readers(get_connection("default"))
    assert kept is not None
    return kept


async def test_reads_run_on_kept_connections_without_a_reset(app: Any) -> None:
    await sqlread.fetch("SELECT 1 AS one", [])  # the pool is open: the readers exist
    kept = _kept()
    first = await kept.fetch("SELECT pg_backend_pid() AS pid", [])
    # a setting left on the connection stays: nothing resets it (no statement here sets one)
    await kept.fetch("SELECT set_config('application_name', 'pgread-test', false)", [])
    again = await kept.fetch(
        "SELECT pg_backend_pid() AS pid, current_setting('application_name') AS name", [])
    assert again[0]["pid"] == first[0]["pid"]
    assert again[0]["name"] == "pgread-test"
    await kept.fetch("SELECT set_config('application_name', '', false)", [])
    assert await sqlread.fetch("SELECT ?::int AS x", [7]) == [{"x": 7}]


async def test_concurrent_reads_share_at_most_size_connections(app: Any) -> None:
    kept = _kept()
    got = await asyncio.gather(*(sqlread.fetch(
        "SELECT pg_backend_pid() AS pid, pg_sleep(0.02) IS NULL AS slept", []) for _ in range(20)))
    pids = {rows[0]["pid"] for rows in got}
    assert 1 <= len(pids) <= kept._size
    assert kept._open <= kept._size


async def test_a_killed_connection_is_dropped_and_the_read_runs_again(app: Any) -> None:
    kept = _kept()
    await sqlread.fetch("SELECT 1 AS one", [])
    pids = [r["pid"] for r in await get_connection("default").execute_query_dict(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name = '' AND pid <> pg_backend_pid()")]
    kept_pids = set()
    for conn in kept._idle:
        kept_pids.add(conn.get_server_pid())
    assert kept_pids <= set(pids)
    await get_connection("default").execute_query_dict(
        f"SELECT pg_terminate_backend(pid) FROM unnest(ARRAY{sorted(kept_pids)}::int[]) pid")
    await asyncio.sleep(0.1)
    assert await sqlread.fetch("SELECT 2 AS two", []) == [{"two": 2}]  # no error reaches here
    assert kept._open <= kept._size


async def test_a_cancelled_read_leaves_no_connection_half_way(app: Any) -> None:
    kept = _kept()
    task = asyncio.ensure_future(sqlread.fetch("SELECT pg_sleep(5) IS NULL AS slept", []))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(3):  # every kept connection answers at once
        assert await asyncio.wait_for(sqlread.fetch("SELECT 3 AS three", []), 2) == [
            {"three": 3}]
    assert kept._open <= kept._size


async def test_errors_are_translated_as_the_orm_does_and_the_connection_kept(app: Any) -> None:
    kept = _kept()
    with pytest.raises(OperationalError):
        await sqlread.fetch("SELECT * FROM no_such_table", [])
    opened = kept._open
    assert await sqlread.fetch("SELECT 4 AS four", []) == [{"four": 4}]
    assert kept._open == opened
