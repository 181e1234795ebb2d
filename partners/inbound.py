"""Cases from partner systems: a transfer filed once per external id, and what a partner may read.

``POST /partner/cases`` files the case through the same intake as every other channel (the
channel recorded: ``110`` or ``partner``), so it is numbered, given its deadlines and enters
dispatch (auto-dispatch included) like any case. The link ``(partner, external_id) → case``
is written in the filing's own transaction under a unique constraint: a retry, or two
concurrent POSTs of the same transfer, give the first case and never a second.

Scope: a partner reads a case it transferred in, and a unit's OA system the cases dispatched
into its unit's subtree (``casework.queries.can_read`` for kind ``partner``). Anything else is
the same 404 as a case that does not exist.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from casework import intake, queries, views
from casework.intake import Submission
from hotline.errors import NotFound
from identity.principal import Principal
from models.case import Case, CaseEvent
from models.partner import Partner, PartnerCase
from partners import keys

CHANNELS = ("110", "partner")


async def transfer(
    partner: Partner, sub: Submission, external_id: str
) -> tuple[int, dict[str, Any]]:
    """(201, the new case) — or (200, the first case) for an external id already filed."""
    who = await keys.acting(partner)
    first = await _linked(partner.id, external_id)
    if first is not None:
        return 200, await _view(who, first, external_id)

    async def link(conn: BaseDBAsyncClient, case_id: int) -> None:
        await PartnerCase.create(partner_id=partner.id, external_id=external_id,
                                 case_id=case_id, created_at=datetime.now(UTC), using_db=conn)

    try:
        status, reply = await intake.submit(who, sub, linked=link)
    except IntegrityError:
        # the same transfer, filed concurrently, committed first: answer with its case
        first = await _linked(partner.id, external_id)
        if first is None:
            raise
        return 200, await _view(who, first, external_id)
    return status, reply | {"external_id": external_id}


async def _linked(partner_id: int, external_id: str) -> Case | None:
    link = await PartnerCase.get_or_none(partner_id=partner_id, external_id=external_id)
    return await Case.get(id=link.case_id) if link is not None else None


async def resolve(partner: Partner, who: Principal, ref: str) -> tuple[Case, str | None]:
    """The case ``ref`` names for this partner — its own external id first, else a tracking
    number — and the partner's external id for it; 404 outside the partner's scope."""
    link = await PartnerCase.get_or_none(partner_id=partner.id, external_id=ref)
    if link is not None:
        return await Case.get(id=link.case_id), ref
    case = await Case.get_or_none(tracking_no=ref)
    if case is None:
        raise NotFound("未找到该诉求")
    own = await PartnerCase.filter(partner_id=partner.id, case_id=case.id).first()
    if own is None and not queries.can_read(who, case):
        raise NotFound("未找到该诉求")
    return case, own.external_id if own else None


async def read(partner: Partner, ref: str) -> dict[str, Any]:
    """Status and timeline of a case in the partner's scope."""
    who = await keys.acting(partner)
    case, external_id = await resolve(partner, who, ref)
    return await _view(who, case, external_id)


async def _view(who: Principal, case: Case, external_id: str | None) -> dict[str, Any]:
    events = await CaseEvent.filter(case_id=case.id).order_by("seq")
    view = views.case_view(case, events, viewer=who, now=datetime.now(UTC),
                           unit=await queries.unit_ref(case.unit_id))
    return view | {"external_id": external_id}
