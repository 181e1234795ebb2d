"""Background jobs run in-process by `hotline serve`, or alone by `hotline worker`.

Every process with workers runs the outbox worker: claims are safe with many (``SKIP LOCKED``
on PostgreSQL; one atomic ``UPDATE … RETURNING`` on SQLite). The periodic jobs — digests, SMS
receipts, photo clean-up, the sweeper, closing unrated replies, reward payouts — each run in
one process at a time across all processes and hosts, under a lease (``hotline.leases``):
``hotline serve --workers N`` may start N copies of all of this, and only the outbox work is
shared.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from casework import lifecycle, sweeper
from hotline import leases
from hotline.settings import Settings
from media import cleanup as photo_cleanup
from notify import digests
from notify import worker as outbox_worker
from partners import events as partner_events
from publishing import hooks as publishing_hooks
from rewards import hooks as reward_hooks
from rewards import jobs as reward_jobs


def start_workers(settings: Settings) -> list[asyncio.Task[None]]:
    reward_hooks.install()  # a worker runs casework steps too (close_unrated, the sweeper)
    publishing_hooks.install()  # a publication follows its case's state
    partner_events.install()  # partners' webhooks are written with each case event
    ttl = settings.lease_ttl_s

    def once(name: str, job: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        return asyncio.create_task(leases.exclusive(name, job, ttl), name=f"job:{name}")

    tasks = [
        asyncio.create_task(outbox_worker.run_forever(settings), name="outbox"),
        once("digests", lambda: digests.run_forever(settings)),
        once("photo_cleanup", lambda: photo_cleanup.run_forever(settings.photo_cleanup_interval_s)),
        once("sweeper", lambda: sweeper.run_forever(settings.sweep_interval_s)),
        once("close_unrated", lambda: lifecycle.close_unrated_forever(settings.sweep_interval_s)),
        once("reward_jobs", lambda: reward_jobs.run_forever(settings.reward_payout_poll_s)),
    ]
    if settings.sms_configured:
        from notify import receipts

        tasks.append(once("sms_receipts", lambda: receipts.run_forever(settings)))
    return tasks
