"""Claims open with the report and follow its case: merge, reject, immediate answer.

A claim opens when a real-name citizen (``Citizen.real_name_verified``) files a ``report``
under a rewardable category covered by an active programme. Anonymous reports, and reports
by citizens without real-name verification, are filed as usual but open no claim (the
category list tells citizens so before they submit). Opening a claim sets
``casework.views.REWARD_FLAG`` on the case, which masks the reporter from every staff member
except reward administrators.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from casework.views import REWARD_FLAG
from identity.principal import Principal
from models.case import Case, CaseEvent
from models.citizen import Citizen
from models.media import Photo
from models.org import Category
from models.reward import ClaimStatus, RewardClaim, RewardPhoto
from rewards import audit, dedupe, eligibility, fraud
from rewards.programs import local_date, program_for

REWARDABLE_KIND = "report"


def may_qualify(case: Case, submitter: Principal) -> bool:
    """The cheap part of :func:`open_claim`'s test: a named citizen's report."""
    return case.kind == REWARDABLE_KIND and not case.anonymous and submitter.kind == "citizen"


async def open_claim(
    case: Case, submitter: Principal, conn: BaseDBAsyncClient
) -> RewardClaim | None:
    """Open the claim of a newly filed report, if it qualifies (inside intake's transaction)."""
    if not may_qualify(case, submitter):
        return None
    category_code: str = case.category_id
    category = await Category.get_or_none(code=category_code, using_db=conn)
    if category is None or not category.rewardable:
        return None
    citizen = await Citizen.get_or_none(id=submitter.id, using_db=conn)
    if citizen is None or not citizen.real_name_verified:
        return None
    program = await program_for(category_code, local_date(case.created_at), conn)
    if program is None:
        return None
    now = case.created_at
    device_id = case.device_id
    claim = await RewardClaim.create(
        case_id=case.id,
        program_id=program.id,
        citizen_id=citizen.id,
        status=ClaimStatus.open,
        group_case_id=case.id,
        category_code=category_code,
        lat=case.lat,
        lng=case.lng,
        reported_at=case.created_at,
        phone_hash=case.contact_phone_hash or citizen.phone_hash,
        device_key=f"kiosk:{device_id}" if device_id else None,
        created_at=now,
        using_db=conn,
    )
    photos = await Photo.filter(id__in=list(case.photo_ids or [])).using_db(conn)
    for p in photos:
        b = dedupe.bands(p.dhash)
        await RewardPhoto.create(
            claim_id=claim.id,
            photo_id=p.id,
            sha256=p.sha256,
            dhash=p.dhash,
            band0=b[0],
            band1=b[1],
            band2=b[2],
            band3=b[3],
            using_db=conn,
        )
    subject = await eligibility.subject(conn, claim)
    claim.flags = await fraud.signals(conn, claim, subject, [p.sha256 for p in photos], now)
    claim.flagged = bool(claim.flags)
    case.flags = [*(case.flags or []), REWARD_FLAG]
    await case.save(using_db=conn, update_fields=["flags"])
    await audit.record(
        conn,
        claim,
        "open",
        at=now,
        actor_role="citizen",
        actor_id=str(citizen.id),
        data={
            "tracking_no": case.tracking_no,
            "program_id": program.id,
            "photos": len(photos),
            "flags": claim.flags,
        },
    )
    return claim


async def on_merge(case: Case, now: datetime, conn: BaseDBAsyncClient) -> None:
    """The merged case's claims (and those merged into it before) follow the parent's reply."""
    parent_id = case.parent_id
    if parent_id is None:
        return
    ids = await RewardClaim.filter(group_case_id=case.id).using_db(conn).values_list(
        "id", flat=True
    )
    moved = []
    for claim_id in ids:
        claim = await audit.lock_claim(conn, id=claim_id)
        if claim is None:
            continue
        claim.group_case_id = parent_id
        await audit.record(conn, claim, "merged", at=now, data={"into_case_id": parent_id})
        moved.append(claim)
    if not moved:
        return
    parent = await Case.get(id=parent_id, using_db=conn)
    replied = await _last_reply_facts(parent, conn)
    if replied is None:  # decided when the parent is replied to
        return
    facts = eligibility.Facts.from_payload(replied)
    await eligibility.serialize(conn)
    for claim in sorted(moved, key=lambda c: (c.reported_at, c.id)):
        if claim.status in eligibility.UNDECIDED:
            await eligibility.evaluate(conn, claim, parent, facts, now)


async def _last_reply_facts(case: Case, conn: BaseDBAsyncClient) -> dict[str, Any] | None:
    event = await (
        CaseEvent.filter(case_id=case.id, action="reply").order_by("-seq").using_db(conn).first()
    )
    return dict(event.data) if event is not None else None


async def close_unverified(
    case: Case, reason: str, now: datetime, conn: BaseDBAsyncClient
) -> None:
    """The case ends without a verification (rejected, answered at once): no reward."""
    ids = await RewardClaim.filter(case_id=case.id, status=ClaimStatus.open).using_db(
        conn
    ).values_list("id", flat=True)
    for claim_id in ids:
        claim = await audit.lock_claim(conn, id=claim_id)
        if claim is None or claim.status != ClaimStatus.open:
            continue
        claim.status, claim.reason = ClaimStatus.ineligible, reason
        await audit.record(conn, claim, "ineligible", at=now, data={"reason": reason})
