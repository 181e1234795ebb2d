"""The delivery worker: claims due outbox rows, sends outside any transaction, records results."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from hotline.crypto import decrypt, mask_phone
from models.outbox import OutboxMessage, OutboxStatus
from notify.templates import render

log = logging.getLogger("hotline.notify")

CLAIM_LEASE = timedelta(minutes=5)


async def claim_batch(limit: int = 50) -> list[OutboxMessage]:
    """Mark up to ``limit`` due rows as ``sending`` for this worker (SKIP LOCKED on PostgreSQL)."""
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        query = (
            OutboxMessage.filter(status=OutboxStatus.pending, next_attempt_at__lte=now)
            .order_by("id")
            .limit(limit)
        )
        if conn.capabilities.dialect != "sqlite":
            query = query.select_for_update(skip_locked=True)
        rows = await query.using_db(conn)
        ids = [r.id for r in rows]
        if ids:
            await OutboxMessage.filter(id__in=ids).using_db(conn).update(
                status=OutboxStatus.sending, claimed_until=now + CLAIM_LEASE
            )
    return rows


def console_send(row: OutboxMessage) -> str:
    params = json.loads(decrypt(row.params_enc) or "{}")
    text = render(row.template, params)
    address = decrypt(row.address_enc)
    shown = mask_phone(address) if row.channel == "sms" else address
    print(f"[console {row.channel}] to {shown}: {text}", flush=True)
    log.info("console sink delivered outbox row %s (%s)", row.id, row.template)
    return f"console-{row.id}"


async def run_once(limit: int = 50) -> int:
    rows = await claim_batch(limit)
    for row in rows:
        provider_id = console_send(row)
        await OutboxMessage.filter(id=row.id, status=OutboxStatus.sending).update(
            status=OutboxStatus.sent,
            provider_id=provider_id,
            sent_at=datetime.now(UTC),
            attempts=row.attempts + 1,
        )
    return len(rows)


async def run_forever(poll_s: float = 1.0) -> None:
    while True:
        try:
            sent = await run_once()
        except Exception:  # keep the worker alive; the row stays claimed until its lease ends
            log.exception("outbox pass failed")
            sent = 0
        if not sent:
            await asyncio.sleep(poll_s)
