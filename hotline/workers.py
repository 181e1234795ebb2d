"""Background jobs run in-process by `hotline serve`, or alone by `hotline worker`."""

from __future__ import annotations

import asyncio

from hotline.settings import Settings
from notify import worker as outbox_worker


def start_workers(settings: Settings) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(outbox_worker.run_forever(settings.outbox_poll_s))]
