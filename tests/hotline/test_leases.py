"""A periodic job runs in one process at a time: the lease decides, in the database or Redis."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import pytest

from hotline import leases, redis_link
from hotline import settings as settings_mod


@pytest.fixture(params=["database", "redis"])
def backend(request: pytest.FixtureRequest, app: Any) -> Iterator[str]:
    if request.param == "redis" and not os.environ.get("HOTLINE_TEST_REDIS_URL"):
        pytest.skip("no HOTLINE_TEST_REDIS_URL")
    before = settings_mod.current()
    settings_mod._current = before.model_copy(update={"lease_backend": request.param})
    yield request.param
    settings_mod._current = before


async def test_one_holder_at_a_time_until_the_lease_runs_out(backend: str) -> None:
    name = f"t-expire-{backend}"
    assert await leases.acquire(name, 0.3, holder="a")
    assert not await leases.acquire(name, 0.3, holder="b")
    assert await leases.acquire(name, 0.3, holder="a")  # the holder renews
    await asyncio.sleep(0.4)
    assert await leases.acquire(name, 0.3, holder="b")  # a stopped renewing: b takes over
    assert not await leases.acquire(name, 0.3, holder="a")
    await leases.release(name, holder="b")


async def test_a_released_lease_is_free_at_once(backend: str) -> None:
    name = f"t-release-{backend}"
    assert await leases.acquire(name, 30, holder="a")
    await leases.release(name, holder="b")  # not b's: nothing happens
    assert not await leases.acquire(name, 30, holder="b")
    await leases.release(name, holder="a")
    assert await leases.acquire(name, 30, holder="b")
    await leases.release(name, holder="b")


async def test_two_processes_never_run_the_job_together_and_a_survivor_takes_over(
    backend: str,
) -> None:
    name = f"t-exclusive-{backend}"
    running: list[str] = []
    overlap: list[list[str]] = []
    ran: set[str] = set()

    def job(who: str) -> Any:
        async def loop() -> None:
            running.append(who)
            ran.add(who)
            try:
                while True:
                    if len(running) > 1:
                        overlap.append(list(running))
                    await asyncio.sleep(0.01)
            finally:
                running.remove(who)

        return loop

    a = asyncio.create_task(leases.exclusive(name, job("a"), 0.3, holder="a"))
    await asyncio.sleep(0.05)
    b = asyncio.create_task(leases.exclusive(name, job("b"), 0.3, holder="b"))
    await asyncio.sleep(0.5)
    assert ran == {"a"} and running == ["a"]
    a.cancel()  # a shuts down: it releases, b takes over within a renewal step
    await asyncio.gather(a, return_exceptions=True)
    await asyncio.sleep(0.3)
    assert running == ["b"]
    b.cancel()
    await asyncio.gather(b, return_exceptions=True)
    assert overlap == []


async def test_rate_limits_fall_back_to_the_database_when_redis_is_away(app: Any) -> None:
    from hotline import ratelimit
    from hotline.errors import RateLimited

    before = settings_mod.current()
    settings_mod._current = before.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    await redis_link.reset()
    try:
        await ratelimit.hit("t-fallback", 2, 60)
        await ratelimit.hit("t-fallback", 2, 60)
        with pytest.raises(RateLimited):
            await ratelimit.hit("t-fallback", 2, 60)
        assert await ratelimit.locked_for("t-nobody") == 0
    finally:
        settings_mod._current = before
        await redis_link.reset()
