"""A partner's webhook deliveries as its administrators see them, and replaying one.

Deliveries are the partner's rows in the outbox (``recipient_kind = 'partner'``), newest first:
the event id and type, the case, the status (``pending``, ``sending``, ``sent`` once the
receiver answered 2xx, ``dead`` after a day of failures or when the partner can no longer
receive), attempts, the last HTTP status or error, and when it is tried next. A replay puts one
row back in the queue at once, with the same event id and body and a new day of retries.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from audit import log as audit_log
from hotline import cursors
from hotline import settings as settings_mod
from hotline.crypto import decrypt
from hotline.db import lock_first
from hotline.errors import NotFound
from hotline.timefmt import iso
from identity.principal import Principal
from models.case import Case
from models.outbox import OutboxMessage, OutboxStatus
from notify.outbox import seal_params
from partners import admin
from partners.events import RECIPIENT

TAG = "deliveries"


def view(row: OutboxMessage, tracking_no: str | None) -> dict[str, Any]:
    params = json.loads(decrypt(row.params_enc) or "{}")
    return {
        "id": row.id, "event_id": params.get("event_id"), "type": params.get("type"),
        "tracking_no": tracking_no, "status": str(row.status), "attempts": row.attempts,
        "last_status": row.provider_status, "last_error": row.last_error,
        "created_at": iso(row.created_at), "sent_at": iso(row.sent_at),
        "next_attempt_at": iso(row.next_attempt_at)
        if row.status == OutboxStatus.pending else None,
    }


async def _numbers(rows: list[OutboxMessage]) -> dict[int, str]:
    ids = {r.case_id for r in rows if r.case_id is not None}
    found = await Case.filter(id__in=ids).values_list("id", "tracking_no") if ids else []
    return {int(i): str(no) for i, no in found}


async def list_deliveries(
    who: Principal, partner_id: int, *, status: str | None = None, limit: int = 20,
    cursor: str | None = None,
) -> dict[str, Any]:
    """One page of the partner's deliveries, newest first."""
    await admin.administered(who, partner_id)
    query = OutboxMessage.filter(recipient_kind=RECIPIENT, recipient_id=str(partner_id))
    if status is not None:
        query = query.filter(status=status)
    if cursor:
        (before,) = cursors.read(cursor, TAG, 1)
        query = query.filter(id__lt=before)
    rows = await query.order_by("-id").limit(limit + 1)
    page = rows[:limit]
    numbers = await _numbers(page)
    more = len(rows) > limit
    return {"items": [view(r, numbers.get(r.case_id or 0)) for r in page],
            "next_cursor": cursors.sign(TAG, page[-1].id) if more else None}


async def replay(who: Principal, partner_id: int, delivery_id: int) -> dict[str, Any]:
    """Send the delivery again now (same event id and body), whatever its status; one in
    flight (``sending``) is left to finish."""
    now = datetime.now(UTC)
    give_up = now + timedelta(seconds=settings_mod.current().webhook_give_up_s)
    async with in_transaction() as conn:
        _, unit = await admin.locked(conn, who, partner_id)
        row = await lock_first(conn, OutboxMessage, id=delivery_id, recipient_kind=RECIPIENT,
                               recipient_id=str(partner_id))
        if row is None:
            raise NotFound("投递记录不存在", code="delivery_not_found")
        if row.status != OutboxStatus.sending:
            params = json.loads(decrypt(row.params_enc) or "{}")
            row.params_enc = seal_params(params | {"give_up_at": give_up.timestamp()})
            row.status, row.next_attempt_at, row.attempts = OutboxStatus.pending, now, 0
            row.claimed_until = None
            await row.save(using_db=conn, update_fields=[
                "params_enc", "status", "next_attempt_at", "attempts", "claimed_until"])
            await audit_log.record(conn, who, "partner.replay_delivery", f"partner:{partner_id}",
                                   scope_path=await admin.audit_scope(unit),
                                   after={"delivery_id": row.id})
    numbers = await _numbers([row])
    return view(row, numbers.get(row.case_id or 0))
