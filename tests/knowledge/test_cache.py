"""What a search keeps in process (counts, candidate ids, rows) follows an editor's change made
by another process at once: the change raises the ``knowledge`` generation."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

from audit.log import Actor
from hotline import generations
from hotline.settings import Settings
from knowledge import lexicon, search, seed
from knowledge.items import set_state
from models.knowledge import KbItem, KbState

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).parent / "data"

# another process: the same database and var dir, an editor's unpublish through the service
EDITOR = """
import asyncio, sys
from pathlib import Path
from audit.log import Actor
from hotline import db, settings as settings_mod
from knowledge.items import set_state
from models.knowledge import KbState
from tests.conftest import _test_settings

async def main() -> None:
    settings = settings_mod.configure(_test_settings(Path(sys.argv[1]), sys.argv[2]))
    await db.init_db(settings)
    try:
        await set_state(Actor("system"), int(sys.argv[3]), KbState.draft, "unpublish")
    finally:
        await db.close_db()

asyncio.run(main())
"""


async def unpublish_elsewhere(settings: Settings, item_id: int) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", EDITOR, str(settings.var_dir), settings.effective_database_url,
        str(item_id), cwd=ROOT,
    )
    assert await proc.wait() == 0


async def test_an_unpublish_in_another_process_is_seen_by_the_next_search(
    settings: Settings, app: Any
) -> None:
    await seed.load(seed.read_items(SAMPLE / "items.json"))
    item = await KbItem.get(key="t-residence-permit")
    listener = asyncio.create_task(generations.listen_forever(settings))
    try:
        if not settings.effective_database_url.startswith("sqlite"):
            await generations.wait_listening()
        lexicon.follow()
        assert item.id in [hit["id"] for hit in await search.search("居住证")]
        assert lexicon.lowest.items and lexicon.rows.items  # kept for the next question
        await unpublish_elsewhere(settings, item.id)
        for _ in range(3):  # a notification is read when the event loop next runs
            await asyncio.sleep(0)
        assert item.id not in [hit["id"] for hit in await search.search("居住证")]
    finally:
        await set_state(Actor("system"), item.id, KbState.published, "publish")  # as it was
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener


async def test_the_kept_answers_serve_the_next_question(settings: Settings, app: Any) -> None:
    await seed.load(seed.read_items(SAMPLE / "items.json"))
    lexicon.follow()
    first = await search.search("居住证怎么办")
    kept = dict(lexicon.lowest.items)
    assert kept
    assert await search.search("居住证怎么办") == first
    assert lexicon.lowest.items == kept


async def test_old_figures_answer_while_they_are_counted_again(
    settings: Settings, app: Any
) -> None:
    await seed.load(seed.read_items(SAMPLE / "items.json"))
    lexicon.invalidate()
    counted = await lexicon.figures()
    lexicon._cache["figures"] = (0.0, counted)  # past their time
    assert await lexicon.figures() is counted  # no search waits for the count
    await lexicon._recount["figures"]
    again = await lexicon.figures()
    assert again is not counted and again.count == counted.count


async def test_a_count_begun_before_a_change_is_not_kept(settings: Settings, app: Any) -> None:
    lexicon.invalidate()
    counting = asyncio.ensure_future(lexicon._count_figures())
    await asyncio.sleep(0)  # it has begun: its first read is on its way
    lexicon.invalidate()  # an editor's change lands while it counts
    await counting
    assert "figures" not in lexicon._cache
