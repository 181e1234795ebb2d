"""Reading claims and payouts: reward administrators' lists and details, the reporter's own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from casework.queries import newest_first
from hotline.crypto import decrypt
from hotline.errors import NotFound
from hotline.timefmt import iso
from identity.principal import Principal
from models.case import Case
from models.citizen import Citizen
from models.org import Unit
from models.reward import PayoutStatus, RewardAudit, RewardClaim, RewardPayout, RewardProgram
from rewards.audit import verify_chain
from rewards.payouts import payout_trade_no
from rewards.views import audit_view, citizen_view, claim_summary, payout_view

MAX_LIMIT = 100
CURSOR_TAG = "r"  # reward lists' cursors are refused by other lists, and back


async def _tracking_nos(case_ids: list[int]) -> dict[int, str]:
    rows = await Case.filter(id__in=case_ids).values_list("id", "tracking_no")
    return dict(rows)


async def list_claims(
    *,
    status: str | None = None,
    program_id: int | None = None,
    category_code: str | None = None,
    flagged: bool | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Claims newest first, filtered."""
    query = RewardClaim.all()
    if status:
        query = query.filter(status=status)
    if program_id:
        query = query.filter(program_id=program_id)
    if category_code:
        query = query.filter(category_code=category_code)
    if flagged is not None:
        query = query.filter(flagged=flagged)
    page, next_cursor = await newest_first(query, limit, cursor, CURSOR_TAG)
    numbers = await _tracking_nos([c.case_id for c in page])
    return {
        "items": [claim_summary(c, numbers.get(c.case_id)) for c in page],
        "next_cursor": next_cursor,
    }


async def claim_detail(claim_id: int) -> dict[str, Any]:
    """Everything about a claim, the reporter's verified identity (name, ID number) in full:
    reward administrators only, everyone else sees it masked or not at all."""
    claim = await RewardClaim.get_or_none(id=claim_id)
    if claim is None:
        raise NotFound("未找到该奖励申请")
    case = await Case.get(id=claim.case_id)
    citizen = await Citizen.get(id=claim.citizen_id)
    program = await RewardProgram.get(id=claim.program_id)
    unit = await Unit.get_or_none(id=case.unit_id) if case.unit_id else None
    payouts = await RewardPayout.filter(claim_id=claim.id).order_by("id")
    events = await RewardAudit.filter(claim_id=claim.id).order_by("seq")
    duplicates = await RewardClaim.filter(duplicate_of_id=claim.id).values_list("id", flat=True)
    return claim_summary(claim, case.tracking_no) | {
        "program": {"id": program.id, "name": program.name},
        "reporter": {
            "citizen_id": citizen.id,
            "name": decrypt(citizen.name_enc) or decrypt(case.contact_name_enc),
            "phone": decrypt(case.contact_phone_enc) or decrypt(citizen.phone_enc),
            "real_name_verified": citizen.real_name_verified,
            # the verified identity in full: reward administrators only (this route's role)
            "id_number": decrypt(citizen.id_number_enc),
            "real_name_method": citizen.real_name_method,
            "real_name_verified_at": iso(citizen.real_name_verified_at),
        },
        "case": {
            "tracking_no": case.tracking_no,
            "status": case.status,
            "title": case.title,
            "content": case.content,
            "location": {"lat": case.lat, "lng": case.lng, "address": case.address},
            "unit": {"id": unit.id, "name": unit.name} if unit else None,
            "created_at": iso(case.created_at),
            "reply": case.reply_content,
        },
        "duplicates": list(duplicates),
        "payouts": [payout_view(p, payout_trade_no(p)) for p in payouts],
        "audit": [audit_view(e) for e in events],
        "audit_chain_valid": verify_chain(claim, events),
    }


async def list_payouts(
    *, status: str | None = None, limit: int = 20, cursor: str | None = None
) -> dict[str, Any]:
    query = RewardPayout.all()
    if status:
        query = query.filter(status=status)
    page, next_cursor = await newest_first(query, limit, cursor, CURSOR_TAG)
    return {
        "items": [payout_view(p, payout_trade_no(p)) for p in page],
        "next_cursor": next_cursor,
    }


async def pickup_codes(who: Principal, claim_ids: list[int]) -> dict[int, str]:
    """The claim codes of the citizen's own manual payouts still awaiting pickup, by claim id
    (for "my rewards" on /h5/ only; no API reply and no log carries a code)."""
    if who.kind != "citizen" or not claim_ids:
        return {}
    own = RewardClaim.filter(id__in=claim_ids, citizen_id=who.id).values_list("id", flat=True)
    rows = await RewardPayout.filter(
        claim_id__in=await own, provider="manual", status=PayoutStatus.awaiting_pickup,
        code_enc__isnull=False,
    ).values_list("claim_id", "code_enc", "expires_at")
    now = datetime.now(UTC)
    return {
        claim_id: code
        for claim_id, sealed, expires in rows
        if (expires is None or expires > now) and (code := decrypt(sealed))
    }


async def my_claims(who: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
    query = RewardClaim.filter(citizen_id=who.id)
    page, next_cursor = await newest_first(query, limit, cursor, CURSOR_TAG)
    numbers = await _tracking_nos([c.case_id for c in page])
    return {
        "items": [citizen_view(c, numbers.get(c.case_id, "")) for c in page],
        "next_cursor": next_cursor,
    }
