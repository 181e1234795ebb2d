"""Background jobs run in-process by `hotline serve`, or alone by `hotline worker`."""

from __future__ import annotations

import asyncio

from casework import lifecycle, sweeper
from hotline.settings import Settings
from media import cleanup as photo_cleanup
from notify import digests
from notify import worker as outbox_worker
from rewards import hooks as reward_hooks
from rewards import jobs as reward_jobs


def start_workers(settings: Settings) -> list[asyncio.Task[None]]:
    reward_hooks.install()  # a worker runs casework steps too (close_unrated, the sweeper)
    tasks = _notify_tasks(settings)
    return tasks + [
        asyncio.create_task(photo_cleanup.run_forever(settings.photo_cleanup_interval_s)),
        asyncio.create_task(sweeper.run_forever(settings.sweep_interval_s)),
        asyncio.create_task(lifecycle.close_unrated_forever(settings.sweep_interval_s)),
        asyncio.create_task(reward_jobs.run_forever(settings.reward_payout_poll_s)),
    ]


def _notify_tasks(settings: Settings) -> list[asyncio.Task[None]]:
    """The outbox worker, the e-mail digests and, with Aliyun configured, SMS receipts."""
    tasks = [
        asyncio.create_task(outbox_worker.run_forever(settings)),
        asyncio.create_task(digests.run_forever(settings)),
    ]
    if settings.sms_configured:
        from notify import receipts

        tasks.append(asyncio.create_task(receipts.run_forever(settings)))
    return tasks
