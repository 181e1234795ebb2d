"""Whom a message about a case goes to: the one rule, for intake's batch and for every step.

A citizen's message is addressed to the citizen account when the case has one (the worker
then routes it by WeChat or SMS, ``notify.routing``), else to the contact phone as stored on
the case (sealed; kept as it is, never decrypted here). Nobody to tell: no message. A unit's
message goes to the unit or to its supervisors. No I/O: this is on intake's hot path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notify import outbox


def to_citizen(
    template: str,
    params: dict[str, Any],
    *,
    case_id: int | None,
    citizen_id: int | None,
    phone_enc: str | None,
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """The outbox row of a message to a case's citizen, or None when nobody can get it
    (an anonymous walk-in who left no number)."""
    if not (phone_enc or citizen_id):
        return None
    return outbox.message(
        template,
        params,
        channel="sms",
        recipient_kind="citizen" if citizen_id else "phone",
        recipient_id=str(citizen_id) if citizen_id else None,
        address_enc=phone_enc,
        case_id=case_id,
        now=now,
    )


def to_unit(
    template: str,
    params: dict[str, Any],
    *,
    case_id: int | None,
    unit_id: int | None,
    supervisors: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The outbox row of a message to a unit (by e-mail), or to the supervisors above it."""
    return outbox.message(
        template,
        params,
        channel="unit",
        recipient_kind="supervisors" if supervisors else "unit",
        recipient_id=str(unit_id) if unit_id else None,
        case_id=case_id,
        now=now,
    )
