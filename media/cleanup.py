"""Photos never attached to a case are removed after a while (24 h by default)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from hotline import settings as settings_mod
from media.service import forget_files, get_service
from models.media import Photo

log = logging.getLogger("hotline.media")

BATCH = 500
MAX_BATCHES = 100  # per run; the next run continues


async def purge_unattached(
    older_than_s: int | None = None, *, now: datetime | None = None
) -> int:
    """Delete unattached photos created before the cut-off, and their now unreferenced files.

    Rows go first; a file is deleted only when no remaining row references it (variants are
    shared by content). A photo attached meanwhile is kept: the delete re-checks ``case_id``.
    """
    s = settings_mod.current()
    ttl = s.photo_unattached_ttl_s if older_than_s is None else older_than_s
    cutoff = (now or datetime.now(UTC)) - timedelta(seconds=ttl)
    storage = get_service().storage
    removed = 0
    for _ in range(MAX_BATCHES):
        rows = await (
            Photo.filter(case_id=None, created_at__lt=cutoff)
            .order_by("id")
            .limit(BATCH)
            .values("id", "display_key", "thumb_key")
        )
        if not rows:
            break
        removed += await Photo.filter(id__in=[r["id"] for r in rows], case_id=None).delete()
        await forget_files(storage, [r[k] for r in rows for k in ("display_key", "thumb_key")])
        if len(rows) < BATCH:
            break
    if removed:
        log.info("removed %d photos never attached to a case", removed)
    return removed


async def run_forever(interval_s: float) -> None:
    """The periodic job (started by ``launch.workers``)."""
    while True:
        try:
            await purge_unattached()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("photo clean-up failed; retrying at the next interval")
        await asyncio.sleep(interval_s)
