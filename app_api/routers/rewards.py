"""Rewards: the public programme list, a reporter's own claims, and the reward administrators'
API (``/admin/rewards/...``, role ``reward_admin`` only: it shows the reporter's identity)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from app_api.deps import citizen, require_roles, staff
from app_api.schemas.problem import problems
from app_api.schemas.rewards import (
    AdminProgramOut,
    ClaimDetailOut,
    ClaimOut,
    ClaimsOut,
    MyClaimsOut,
    PayoutsOut,
    ProgramOut,
    RedeemOut,
)
from casework.calendar import SHANGHAI
from identity.principal import Principal
from models.reward import ClaimStatus, PayoutStatus
from rewards import decisions, export, hooks, payouts, programs, queries  # noqa: F401  (hooks)

router = APIRouter(tags=["rewards"])
ADMIN = "/admin/rewards"

Amount = float | int | str


class Body(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


class ApproveIn(Body):
    amount: Amount = Field(description="奖励金额（元，最多两位小数）")


class DenyIn(Body):
    reason: str = Field(min_length=1, max_length=200)


class RedeemIn(Body):
    code: str = Field(min_length=6, max_length=20, pattern=r"^[0-9 ]+$")


class ProgramBody(Body):
    name: str = Field(min_length=1, max_length=128)
    description: str = Field(default="", max_length=2000)
    categories: list[str] = Field(min_length=1, max_length=50)
    starts_on: date
    ends_on: date
    budget: Amount
    tiers: dict[Literal["minor", "moderate", "serious", "critical"], Amount]
    fine_pct: float = Field(default=0.0, ge=0, le=100)
    fine_cap: Amount = 0
    monthly_count_limit: int = Field(default=5, ge=1, le=1000)
    monthly_amount_limit: Amount = 5000
    claim_deadline_days: int = Field(default=60, ge=1, le=3650)
    four_eyes_above: Amount | None = None


def reward_admin(who: Principal = Depends(staff)) -> Principal:
    require_roles(who, "reward_admin")
    return who


@router.get("/rewards/programs", response_model=list[ProgramOut])
async def public_programs() -> list[dict[str, Any]]:
    """Programmes open now or later (public): rules, limits, claim deadline, remaining budget."""
    return await programs.public_programs(datetime.now(SHANGHAI).date())


@router.get("/rewards/claims/mine", response_model=MyClaimsOut)
async def my_claims(
    who: Principal = Depends(citizen),
    limit: int = Query(default=20, ge=1, le=queries.MAX_LIMIT),
    cursor: str | None = Query(default=None, max_length=64),
) -> dict[str, Any]:
    """The caller's own reward claims, newest first, with what they may collect."""
    return await queries.my_claims(who, limit, cursor)


@router.get(f"{ADMIN}/programs", response_model=list[AdminProgramOut], responses=problems(403))
async def admin_programs(_: Principal = Depends(reward_admin)) -> list[dict[str, Any]]:
    """Every programme with its bookkeeping (committed, paid, four-eyes threshold)."""
    return await programs.all_programs()


@router.post(
    f"{ADMIN}/programs", status_code=201, response_model=AdminProgramOut, responses=problems(403)
)
async def create_program(
    body: ProgramBody, _: Principal = Depends(reward_admin)
) -> dict[str, Any]:
    """Create a programme (amounts in yuan; tiers by severity)."""
    program = await programs.create_program(programs.ProgramIn(**body.model_dump()))
    return programs.program_view(program, admin=True)


@router.get(f"{ADMIN}/claims", response_model=ClaimsOut, responses=problems(403))
async def list_claims(
    _: Principal = Depends(reward_admin),
    status: ClaimStatus | None = Query(default=None),
    program_id: int | None = Query(default=None, ge=1),
    category_code: str | None = Query(default=None, max_length=32),
    flagged: bool | None = Query(default=None),
    limit: int = Query(default=20, ge=1, le=queries.MAX_LIMIT),
    cursor: str | None = Query(default=None, max_length=64),
) -> dict[str, Any]:
    """Claims newest first, filtered by status, programme, category or fraud flag."""
    return await queries.list_claims(
        status=status.value if status else None,
        program_id=program_id,
        category_code=category_code,
        flagged=flagged,
        limit=limit,
        cursor=cursor,
    )


@router.get(
    f"{ADMIN}/claims/{{claim_id}}", response_model=ClaimDetailOut, responses=problems(403, 404)
)
async def claim_detail(claim_id: int, _: Principal = Depends(reward_admin)) -> dict[str, Any]:
    """The claim with the reporter's identity, the case, payouts and the verified audit trail."""
    return await queries.claim_detail(claim_id)


@router.post(
    f"{ADMIN}/claims/{{claim_id}}/approve",
    response_model=ClaimOut,
    responses=problems(403, 404, 409),
)
async def approve(
    claim_id: int, body: ApproveIn, who: Principal = Depends(reward_admin)
) -> dict[str, Any]:
    """Approve an amount within the programme's rules (a second administrator above the
    four-eyes threshold or for a flagged claim)."""
    return await decisions.approve(who, claim_id, body.amount)


@router.post(
    f"{ADMIN}/claims/{{claim_id}}/deny", response_model=ClaimOut, responses=problems(403, 404, 409)
)
async def deny(
    claim_id: int, body: DenyIn, who: Principal = Depends(reward_admin)
) -> dict[str, Any]:
    """Deny a claim, with the reason the reporter will see."""
    return await decisions.deny(who, claim_id, body.reason)


@router.get(f"{ADMIN}/payouts", response_model=PayoutsOut, responses=problems(403))
async def list_payouts(
    _: Principal = Depends(reward_admin),
    status: PayoutStatus | None = Query(default=None),
    limit: int = Query(default=20, ge=1, le=queries.MAX_LIMIT),
    cursor: str | None = Query(default=None, max_length=64),
) -> dict[str, Any]:
    """Payouts newest first, filtered by status."""
    return await queries.list_payouts(
        status=status.value if status else None, limit=limit, cursor=cursor
    )


@router.post(
    f"{ADMIN}/payouts/redeem", response_model=RedeemOut, responses=problems(403, 404, 409)
)
async def redeem(body: RedeemIn, who: Principal = Depends(reward_admin)) -> dict[str, Any]:
    """Pay a manual reward at a service hall against the citizen's claim code."""
    return await payouts.redeem(who, body.code)


@router.get(
    f"{ADMIN}/export.csv",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "CSV（UTF-8）：已决定的奖励申请及其发放",
        },
        **problems(403),
    },
)
async def export_csv(
    _: Principal = Depends(reward_admin),
    from_: date | None = Query(default=None, alias="from"),
    to: date | None = Query(default=None),
) -> Response:
    """Decided claims and payouts for the finance office (decision dates, inclusive)."""
    body = await export.claims_csv(from_, to)
    name = f"rewards-{(from_ or 'month')}-{(to or 'today')}.csv"
    return Response(
        content=body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
