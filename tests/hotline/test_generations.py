"""Reference data cached in one process follows a change made by another process at once."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

from casework import reference
from hotline import generations
from hotline.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

# another process: the same database and var dir, an administrator's write through the service
WRITER = """
import asyncio, sys
from pathlib import Path
from audit.log import Actor
from hotline import db, settings as settings_mod
from organisation.categories import update_category
from tests.conftest import _test_settings

async def main() -> None:
    settings = settings_mod.configure(_test_settings(Path(sys.argv[1]), sys.argv[2]))
    await db.init_db(settings)
    try:
        await update_category(Actor("system"), "GENERAL-ADVICE", {"name": sys.argv[3]})
    finally:
        await db.close_db()

asyncio.run(main())
"""


async def write_elsewhere(settings: Settings, name: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, str(settings.var_dir), settings.effective_database_url,
        name, cwd=ROOT,
    )
    assert await proc.wait() == 0


async def test_another_process_change_is_seen_at_once(
    settings: Settings, fresh_org: None, app: Any
) -> None:
    listener = asyncio.create_task(generations.listen_forever(settings))
    try:
        if not settings.effective_database_url.startswith("sqlite"):
            await generations.wait_listening()
        assert (await reference.categories())["GENERAL-ADVICE"].name == "建言献策"
        for name in ("建言献策（新）", "意见建议"):
            await write_elsewhere(settings, name)
            for _ in range(3):  # a notification is read when the event loop next runs
                await asyncio.sleep(0)
            assert (await reference.categories())["GENERAL-ADVICE"].name == name
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener


async def test_the_copy_is_kept_while_nothing_changes(settings: Settings, app: Any) -> None:
    loads = 0
    calls: list[int] = []

    async def load() -> int:
        nonlocal loads
        loads += 1
        return loads

    cached = generations.Cached("reference", load)
    calls += [await cached.get(), await cached.get()]
    assert calls == [1, 1]
    generations.published("reference")  # what a writer does after its commit
    assert await cached.get() == 2
    generations.drop_local("calendar")  # another name does not touch it
    assert await cached.get() == 2


async def test_bump_raises_the_counter_in_the_transaction(settings: Settings, app: Any) -> None:
    from tortoise.transactions import in_transaction

    from models.audit import CacheGeneration

    before = await CacheGeneration.get_or_none(name="calendar")
    async with in_transaction() as conn:
        values = await generations.bump(conn, "calendar")
    assert values["calendar"] == (before.value if before else 0) + 1
    assert (await CacheGeneration.get(name="calendar")).value == values["calendar"]
