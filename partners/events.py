"""Case events for partners: each step of a case in a partner's scope becomes a webhook row in
the outbox, written by a casework hook inside the step's own transaction.

So the event is recorded exactly when the step commits (never lost, never for a step that
rolled back) and nothing waits for the partner: the notify worker POSTs it afterwards
(``partners.delivery``). One row per partner per event; the event id names the case and the
event's place in its timeline (``evt_<case id>_<seq>``), so every attempt and every replay of
that row carries the same id and a partner deduplicates by it.

In a partner's scope (with the ``events`` scope, active, with a webhook URL): the cases it
transferred in (``PartnerCase``), and, for a unit's OA system, the cases whose unit is in its
unit's subtree (a dispatch to the unit is the first such event, and the step that takes the
case away — a return, a re-dispatch — the last).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from casework import hooks
from casework.transitions import EVENT_LABELS
from casework.views import STATUS_LABELS
from hotline import rows
from hotline import settings as settings_mod
from hotline.canonical import canonical_json
from hotline.timefmt import iso, iso_stored
from identity.principal import Principal
from models.case import Case
from models.outbox import OutboxMessage
from models.partner import Partner, PartnerCase
from notify import outbox

TEMPLATE = "webhook"
RECIPIENT = "partner"


def event_id(case_id: int, seq: int) -> str:
    return f"evt_{case_id}_{seq}"


def case_body(case: Case, external_id: str | None) -> dict[str, Any]:
    """The case as a webhook carries it: what a handling unit needs, no contact details."""
    location = None
    if case.lat is not None or case.address:
        location = {"lat": case.lat, "lng": case.lng, "address": case.address,
                    "region_code": case.region_id}
    return {
        "tracking_no": case.tracking_no, "external_id": external_id, "kind": case.kind,
        "category_code": case.category_id, "channel": case.channel, "status": case.status,
        "status_label": STATUS_LABELS.get(case.status, case.status),
        "procedure": case.procedure, "title": case.title, "content": case.content,
        "location": location, "unit_id": case.unit_id,
        "created_at": iso_stored(case.created_at),
        "next_due_at": iso_stored(case.next_due_at),
        "due": {k: iso_stored(getattr(case, f"due_{k}"))
                for k in ("dispatch", "sign", "transfer", "notice", "complete")},
        "reply": case.reply_content,
    }


def body(case: Case, action: str, now: datetime, external_id: str | None) -> bytes:
    """The JSON a partner receives: ``{id, type, at, case:{…}}``."""
    return canonical_json({
        "id": event_id(case.id, case.event_count), "type": f"case.{action}", "at": iso(now),
        "event": {"action": action, "label": EVENT_LABELS.get(action, action),
                  "seq": case.event_count},
        "case": case_body(case, external_id),
    })


async def _audience(
    case: Case, conn: BaseDBAsyncClient, path: str | None = None
) -> dict[int, str | None]:
    """The partners this case's events go to, each with its external id for the case (with
    ``path``: the unit partners covering that unit path instead, and no one linked)."""
    linked = dict(await PartnerCase.filter(case_id=case.id).using_db(conn)
                  .values_list("partner_id", "external_id"))
    found: dict[int, str | None] = {}
    rows_ = await (Partner.filter(active=True, webhook_url__not_isnull=True).using_db(conn)
                   .values("id", "scopes", "unit__path"))
    for p in rows_:
        scopes = json.loads(p["scopes"]) if isinstance(p["scopes"], str) else p["scopes"]
        unit_path = p["unit__path"]
        if path is None:
            mine = p["id"] in linked or bool(unit_path and case.unit_path.startswith(unit_path))
        else:
            mine = p["id"] not in linked and bool(unit_path and path.startswith(unit_path)
                                                  and not case.unit_path.startswith(unit_path))
        if mine and "events" in (scopes or []):
            found[p["id"]] = linked.get(p["id"])
    return found


async def enqueue(action: str, case: Case, now: datetime, conn: BaseDBAsyncClient,
                  left: str | None = None) -> int:
    """Write one webhook row per partner in scope; the number written. ``left``: the unit path
    a step moved the case out of — then the rows go to that unit's partners, who lose it."""
    audience = await _audience(case, conn, left)
    if not audience:
        return 0
    give_up = now + timedelta(seconds=settings_mod.current().webhook_give_up_s)
    made = []
    for partner_id, external_id in audience.items():
        data = body(case, action, now, external_id)
        params = {"event_id": event_id(case.id, case.event_count), "type": f"case.{action}",
                  "body": data.decode(), "give_up_at": give_up.timestamp()}
        made.append(rows.new_row(OutboxMessage, **outbox.message(
            TEMPLATE, params, channel="webhook", recipient_kind=RECIPIENT,
            recipient_id=str(partner_id), case_id=case.id, now=now)))
    await rows.insert(conn, OutboxMessage, made)
    return len(made)


async def _stepped(action: str, case: Case, payload: dict[str, Any], now: datetime,
                   conn: BaseDBAsyncClient) -> None:
    await enqueue(action, case, now, conn)


async def _moved(action: str, case: Case, path_before: str, now: datetime,
                 conn: BaseDBAsyncClient) -> None:
    await enqueue(action, case, now, conn, left=path_before)


def _by_partner(case: Case, submitter: Principal) -> bool:
    return submitter.kind == "partner"


async def _submitted(case: Case, submitter: Principal, conn: BaseDBAsyncClient) -> None:
    await enqueue("submit", case, case.created_at or datetime.now(UTC), conn)


def install() -> None:
    """Register the hooks (idempotent); called by the app assembly and the workers' start-up.
    A case's filing reaches partners only when a partner filed it (nobody else's scope holds a
    case before its dispatch)."""
    hooks.on_step(_stepped)
    hooks.on_move(_moved)
    hooks.on_submit(when=_by_partner)(_submitted)
