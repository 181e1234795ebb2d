"""Writing messages to the outbox, inside the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from hotline.canonical import canonical_json
from hotline.crypto import encrypt
from models.outbox import OutboxMessage
from notify.templates import TEMPLATES

# The worker takes due rows in next_attempt_at order: urgent rows (login codes) are dated this
# much earlier, so they overtake any backlog without a second index or a sort.
URGENT_LEAD = timedelta(hours=1)


def message(
    template: str,
    params: dict[str, Any],
    *,
    channel: str,
    recipient_kind: str,
    recipient_id: str | None = None,
    address: str | None = None,
    address_enc: str | None = None,
    case_id: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The outbox row (column -> value) of a message to send; see :func:`enqueue`.

    ``address_enc`` is an address already sealed by :func:`hotline.crypto.encrypt` (a phone as
    stored on a case), kept as it is instead of decrypting and sealing it again.
    """
    tpl = TEMPLATES[template]
    now = now or datetime.now(UTC)
    return {
        "channel": channel,
        "template": template,
        "recipient_kind": recipient_kind,
        "recipient_id": recipient_id,
        "address_enc": address_enc if address is None else encrypt(address),
        "params_enc": seal_params(params),
        "case_id": case_id,
        "urgent": tpl.urgent,
        "next_attempt_at": now - URGENT_LEAD if tpl.urgent else now,
        "created_at": now,
    }


def seal_params(params: dict[str, Any]) -> str:
    """A message's template parameters as stored (``params_enc``): JSON, encrypted."""
    return encrypt(canonical_json(params).decode())


async def enqueue(
    template: str,
    params: dict[str, Any],
    *,
    channel: str,
    recipient_kind: str,
    recipient_id: str | None = None,
    address: str | None = None,
    case_id: int | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> OutboxMessage:
    """Record a message to send; it is committed (or rolled back) with the caller's change.

    ``channel`` is what the caller has in mind ("sms" for a citizen, "unit" for a unit); the
    worker chooses the actual channel when it sends (``notify.routing``)."""
    row = message(
        template,
        params,
        channel=channel,
        recipient_kind=recipient_kind,
        recipient_id=recipient_id,
        address=address,
        case_id=case_id,
    )
    return await OutboxMessage.create(**row, using_db=using_db)
