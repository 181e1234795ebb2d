"""Reward administrators decide eligible claims: approve an amount, or deny with a reason.

An amount above the programme's four-eyes threshold, or any amount for a flagged claim, needs
two different administrators: the first approval proposes (``second_approval``), the second
confirms the same amount. The final approval commits the budget and the citizen's monthly
limits atomically, creates the payout and tells the citizen — all in one transaction, with
no network call: the payout worker sends money after the commit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from hotline.errors import Conflict, Forbidden, NotFound, ValidationProblem
from identity.principal import Principal
from models.reward import ClaimStatus, RewardClaim, RewardProgram
from rewards import audit, budget, payouts
from rewards.notices import tell_reporter
from rewards.programs import four_eyes_threshold, to_fen, yuan
from rewards.views import STATUS_LABELS, claim_summary

DECIDABLE = (ClaimStatus.eligible, ClaimStatus.second_approval)
DENIABLE = (ClaimStatus.open, ClaimStatus.eligible, ClaimStatus.second_approval)
ROLE = "reward_admin"


def _state_error(claim: RewardClaim, what: str) -> Conflict:
    label = STATUS_LABELS.get(str(claim.status), str(claim.status))
    return Conflict(
        f"奖励申请当前状态为“{label}”，不能{what}",
        code="invalid_claim_state",
        extra={"claim_status": str(claim.status)},
    )


async def _locked(
    conn: BaseDBAsyncClient, claim_id: int, allowed: tuple[ClaimStatus, ...], what: str
) -> RewardClaim:
    """The claim, row-locked, in one of the ``allowed`` states (404 if absent, 409 if not)."""
    claim = await audit.lock_claim(conn, id=claim_id)
    if claim is None:
        raise NotFound("未找到该奖励申请")
    if claim.status not in allowed:
        raise _state_error(claim, what)
    return claim


def _decided(claim: RewardClaim) -> dict[str, Any]:
    return {"status": str(claim.status), "amount": yuan(claim.amount_fen)}


def _needs_two(claim: RewardClaim, program: RewardProgram, amount: int) -> list[str]:
    why = []
    if amount > four_eyes_threshold(program):
        why.append("above_threshold")
    if claim.flags:
        why.append("flagged")
    return why


async def approve(
    who: Principal, claim_id: int, amount: Any, *, now: datetime | None = None
) -> dict[str, Any]:
    amount_fen = to_fen(amount, "奖励金额")
    now = now or datetime.now(UTC)
    async with in_transaction() as conn:
        claim = await _locked(conn, claim_id, DECIDABLE, "审批")
        program = await RewardProgram.get(id=claim.program_id, using_db=conn)
        ceiling = claim.max_amount_fen or 0
        if not 0 < amount_fen <= ceiling:
            raise ValidationProblem(
                f"奖励金额须大于 0 且不超过按项目规则核定的 {yuan(ceiling)} 元",
                code="amount_out_of_range",
                extra={"max_amount": yuan(ceiling)},
            )
        actor: dict[str, Any] = {"actor_role": ROLE, "actor_id": str(who.id)}
        why = _needs_two(claim, program, amount_fen)
        before = {"status": str(claim.status), "amount": yuan(claim.amount_fen)}
        if claim.status == ClaimStatus.eligible and why:
            claim.status = ClaimStatus.second_approval
            claim.amount_fen = amount_fen
            claim.first_approver_id, claim.first_approved_at = who.id, now
            await audit.record(
                conn, claim, "approve_first", at=now, data={"amount_fen": amount_fen, "why": why},
                **actor,
            )
            await audit.log(conn, who, claim, "approve_first", before=before,
                            after=_decided(claim) | {"why": why})
            return claim_summary(claim)
        if claim.status == ClaimStatus.second_approval:
            if claim.first_approver_id == who.id:
                raise Forbidden("须由另一名奖励管理员复核", code="four_eyes")
            if amount_fen != claim.amount_fen:
                raise ValidationProblem(
                    f"复核金额须与初审金额 {yuan(claim.amount_fen)} 元一致，如有异议请驳回",
                    code="amount_mismatch",
                )
        await budget.commit(conn, program.id, amount_fen)
        await budget.count_monthly(conn, program, claim, amount_fen)
        claim.status, claim.amount_fen = ClaimStatus.approved, amount_fen
        claim.decided_by, claim.decided_at = who.id, now
        claim.deadline_at = now + timedelta(days=program.claim_deadline_days)
        await audit.record(
            conn,
            claim,
            "approve",
            at=now,
            data={"amount_fen": amount_fen, "first_approver": claim.first_approver_id},
            **actor,
        )
        await payouts.create(conn, claim, now)
        await audit.log(conn, who, claim, "approve", before=before, after=_decided(claim))
    return claim_summary(claim)


async def deny(
    who: Principal, claim_id: int, reason: Any, *, now: datetime | None = None
) -> dict[str, Any]:
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationProblem("请填写不予奖励的理由", code="validation_error")
    if len(reason) > 200:
        raise ValidationProblem("理由过长（不超过200字）", code="validation_error")
    reason = reason.strip()
    now = now or datetime.now(UTC)
    async with in_transaction() as conn:
        claim = await _locked(conn, claim_id, DENIABLE, "驳回")
        previous = str(claim.status)
        claim.status, claim.reason = ClaimStatus.denied, reason
        claim.decided_by, claim.decided_at = who.id, now
        await audit.record(
            conn,
            claim,
            "deny",
            at=now,
            actor_role=ROLE,
            actor_id=str(who.id),
            data={"reason": reason, "previous": previous},
        )
        await tell_reporter(conn, claim, "reward_denied", {"reason": reason})
        await audit.log(conn, who, claim, "deny", before={"status": previous},
                        after={"status": str(claim.status), "reason": reason})
    return claim_summary(claim)
