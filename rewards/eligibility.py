"""The unit's reply decides a claim: eligible, ineligible (with a reason) or duplicate.

Runs inside the reply's transaction (``casework.hooks.on_step``). "First reporter wins":
among the claims that may report the same problem (``rewards.dedupe``), only the earliest
*verified* one is eligible. A claim verified later than an earlier one becomes ``duplicate``
of it; a claim verified after later ones were found eligible takes their place, and those not
yet approved become its duplicates (money already approved is never taken back).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from hotline import settings as settings_mod
from hotline.crypto import lookup_hash
from hotline.db import flat_values
from hotline.errors import ValidationProblem
from identity.phones import normalize_mobile
from models.case import Case
from models.citizen import Citizen
from models.org import Staff, Unit
from models.reward import ClaimStatus, RewardClaim, RewardPhoto, RewardProgram
from rewards import audit, dedupe
from rewards.programs import max_amount_fen

# claims a new reply may still change
UNDECIDED = (
    ClaimStatus.open,
    ClaimStatus.eligible,
    ClaimStatus.ineligible,
    ClaimStatus.duplicate,
    ClaimStatus.second_approval,
)
# verified claims that keep a later report of the same problem from being rewarded
BLOCKING = (
    ClaimStatus.eligible,
    ClaimStatus.second_approval,
    ClaimStatus.approved,
    ClaimStatus.paid,
    ClaimStatus.expired,
    ClaimStatus.duplicate,
)


@dataclass(frozen=True)
class Facts:
    """What the handling unit found (casework validated the payload's types)."""

    verified: bool | None
    severity: str | None
    fine_fen: int | None

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Facts:
        fine = payload.get("fine")
        return cls(
            verified=payload.get("verified"),
            severity=payload.get("severity"),
            fine_fen=None if fine is None else round(float(fine) * 100),
        )


async def subject(conn: BaseDBAsyncClient, claim: RewardClaim) -> dedupe.Subject:
    hashes: list[int] = await flat_values(
        RewardPhoto.filter(claim_id=claim.id).using_db(conn), "dhash"
    )
    return dedupe.Subject(
        claim_id=claim.id,
        group_case_id=claim.group_case_id,
        category_code=claim.category_code,
        lat=claim.lat,
        lng=claim.lng,
        reported_at=claim.reported_at,
        dhashes=tuple(hashes),
    )


async def find_candidates(
    conn: BaseDBAsyncClient, claim: RewardClaim
) -> dict[int, dedupe.Candidate]:
    s = settings_mod.current()
    return await dedupe.candidates(
        conn,
        await subject(conn, claim),
        radius_m=s.reward_dedupe_distance_m,
        window=timedelta(days=s.reward_dedupe_window_days),
        max_hamming=s.reward_dedupe_hamming,
    )


async def set_staff_phone(staff: Staff, phone: str) -> None:
    """Record a staff member's mobile (as a keyed hash) so their own reports are excluded."""
    staff.phone_hash = lookup_hash(normalize_mobile(phone))
    await staff.save(update_fields=["phone_hash"])


async def excluded_staff(conn: BaseDBAsyncClient, claim: RewardClaim, case: Case) -> bool:
    """Whether the reporter works for the responsible unit (or a unit under it)."""
    citizen = await Citizen.get(id=claim.citizen_id, using_db=conn)
    hashes = {h for h in (claim.phone_hash, citizen.phone_hash) if h}
    if not hashes:
        return False
    unit_ids = await (
        Staff.filter(phone_hash__in=hashes, active=True).using_db(conn).values_list(
            "unit_id", flat=True
        )
    )
    if not unit_ids:
        return False
    responsible = {case.unit_id, *(case.co_unit_ids or [])} - {None}
    paths: list[str] = await flat_values(Unit.filter(id__in=responsible).using_db(conn), "path")
    staff_paths: list[str] = await flat_values(
        Unit.filter(id__in=unit_ids).using_db(conn), "path"
    )
    return any(sp.startswith(rp) for sp in staff_paths for rp in paths)


def _reset_approval(claim: RewardClaim) -> None:
    claim.amount_fen = None
    claim.first_approver_id = None
    claim.first_approved_at = None


async def require_verification(
    case: Case, payload: dict[str, Any], conn: BaseDBAsyncClient
) -> None:
    """A reply that decides reward claims (the case's own, or those of reports merged into
    it) must say whether the report was found true: without ``verified`` it is refused."""
    if isinstance(payload.get("verified"), bool):
        return
    if await RewardClaim.filter(group_case_id=case.id, status__in=UNDECIDED).using_db(
        conn
    ).exists():
        raise ValidationProblem(
            "该诉求涉及有奖举报，答复须说明举报是否查实（verified: true 或 false）",
            code="verified_required",
        )


async def on_reply(
    case: Case, payload: dict[str, Any], now: datetime, conn: BaseDBAsyncClient
) -> None:
    """Decide the claims of a replied case and of the cases merged into it."""
    facts = Facts.from_payload(payload)
    ids = await (
        RewardClaim.filter(group_case_id=case.id, status__in=UNDECIDED)
        .using_db(conn)
        .order_by("reported_at", "id")
        .values_list("id", flat=True)
    )
    if ids:
        await serialize(conn)
    for claim_id in ids:
        claim = await audit.lock_claim(conn, id=claim_id)
        if claim is not None and claim.status in UNDECIDED:
            await evaluate(conn, claim, case, facts, now)


# Two reports of one problem verified at the same moment must not both see the other as
# unverified: on PostgreSQL decisions take this transaction-scoped advisory lock, so the later
# one waits and then reads the earlier one's committed verification (SQLite has one writer).
DECISION_LOCK_KEY = 0x52455744  # "REWD"


async def serialize(conn: BaseDBAsyncClient) -> None:
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [DECISION_LOCK_KEY])


async def evaluate(
    conn: BaseDBAsyncClient, claim: RewardClaim, case: Case, facts: Facts, now: datetime
) -> None:
    if facts.verified is None:
        # the reply did not say (a parent replied before reports were merged into it): the
        # claim stays undecided; an omission never makes it ineligible
        return
    program = await RewardProgram.get(id=claim.program_id, using_db=conn)
    previous = claim.status
    claim.verified, claim.verified_at = facts.verified, now
    claim.severity = facts.severity or ("minor" if facts.verified else None)
    claim.fine_fen = facts.fine_fen
    claim.duplicate_of_id = None
    data: dict[str, Any] = {
        "tracking_no": case.tracking_no,
        "verified": facts.verified,
        "severity": claim.severity,
        "fine_fen": facts.fine_fen,
    }
    _reset_approval(claim)
    claim.max_amount_fen = None
    if not facts.verified:
        claim.status = ClaimStatus.ineligible
        claim.reason = "经核查，举报内容不属实"
    elif await excluded_staff(conn, claim, case):
        claim.status = ClaimStatus.ineligible
        claim.reason = "举报人为承办单位工作人员，不予奖励"
    else:
        claim.max_amount_fen = max_amount_fen(program, claim.severity, facts.fine_fen)
        data["max_amount_fen"] = claim.max_amount_fen
        found = await find_candidates(conn, claim)
        winner = await _earlier_verified(conn, claim, list(found))
        if winner is not None:
            claim.status = ClaimStatus.duplicate
            claim.duplicate_of_id = winner.id
            claim.reason = "同一问题已有更早的举报经查实"
            data |= {"duplicate_of": winner.id, "match": sorted(found[winner.id].reasons)}
        else:
            claim.status, claim.reason = ClaimStatus.eligible, ""
            await _demote_later(conn, claim, found, now)
    data["reason"] = claim.reason
    data["previous"] = str(previous)
    await audit.record(conn, claim, str(claim.status), at=now, data=data)


def _key(c: RewardClaim) -> tuple[datetime, int]:
    return (c.reported_at, c.id)


async def _earlier_verified(
    conn: BaseDBAsyncClient, claim: RewardClaim, ids: list[int]
) -> RewardClaim | None:
    if not ids:
        return None
    rows = await RewardClaim.filter(id__in=ids, verified=True, status__in=BLOCKING).using_db(conn)
    earlier = [c for c in rows if _key(c) < _key(claim)]
    return min(earlier, key=_key) if earlier else None


async def _demote_later(
    conn: BaseDBAsyncClient,
    winner: RewardClaim,
    found: dict[int, dedupe.Candidate],
    now: datetime,
) -> None:
    """Later candidates not yet approved become duplicates of the winner; duplicates of a
    report later than the winner are linked to the winner instead."""
    for claim_id in sorted(found):
        other = await audit.lock_claim(conn, id=claim_id)
        if other is None or _key(other) < _key(winner):
            continue
        if other.status == ClaimStatus.duplicate:
            target = await RewardClaim.get_or_none(id=other.duplicate_of_id, using_db=conn)
            if target is None or target.id == winner.id or _key(target) < _key(winner):
                continue
        elif other.status not in (ClaimStatus.eligible, ClaimStatus.second_approval):
            continue
        previous = other.status
        other.status = ClaimStatus.duplicate
        other.duplicate_of_id = winner.id
        other.reason = "同一问题已有更早的举报经查实"
        _reset_approval(other)
        await audit.record(
            conn,
            other,
            "duplicate",
            at=now,
            data={
                "duplicate_of": winner.id,
                "match": sorted(found[claim_id].reasons),
                "previous": str(previous),
                "reason": other.reason,
            },
        )
