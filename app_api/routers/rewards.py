"""Rewards: the public programme list, a reporter's own claims, and the reward administrators'
API (``/admin/rewards/...``, role ``reward_admin`` only: it shows the reporter's identity)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from app_api.deps import citizen, require_roles, staff
from app_api.responses import csv_doc, csv_download
from app_api.schemas.inputs import (
    Amount,
    BigId,
    CursorQuery,
    Day,
    DayQuery,
    Id,
    Line,
    LineQuery,
    Text,
)
from app_api.schemas.problem import problems
from app_api.schemas.requests import example
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
from hotline.timefmt import SHANGHAI
from identity.principal import Principal
from models.reward import ClaimStatus, PayoutStatus
from rewards import decisions, export, payouts, programs, queries

router = APIRouter(tags=["rewards"])
ADMIN = "/admin/rewards"

def _example(value: dict[str, Any], description: str) -> ConfigDict:
    return example(value, description, forbid_unknown=True)


class ApproveIn(BaseModel):
    model_config = _example({"amount": "300.00"}, "批准奖励")

    amount: Amount = Field(description="奖励金额（元，最多两位小数）")


class DenyIn(BaseModel):
    model_config = _example({"reason": "举报内容经核实不属实"}, "不予奖励")

    reason: Text = Field(min_length=1, max_length=200, description="不予奖励的理由")


class RedeemIn(BaseModel):
    model_config = _example({"code": "4829 1375 0062"}, "凭领奖码在服务大厅兑付")

    code: str = Field(
        min_length=6, max_length=20, pattern=r"^[0-9 ]+$", description="市民出示的领奖码"
    )


class ProgramBody(BaseModel):
    model_config = _example(
        {
            "name": "五水共治有奖举报",
            "description": "举报偷排、漏排污水，经查实给予奖励。",
            "categories": ["ENV-WATER"],
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "budget": "100000.00",
            "tiers": {"minor": 50, "moderate": 200, "serious": 500, "critical": 2000},
            "fine_pct": 10,
            "fine_cap": 5000,
            "monthly_count_limit": 5,
            "monthly_amount_limit": 5000,
            "claim_deadline_days": 60,
            "four_eyes_above": 500,
        },
        "新建奖励项目",
    )

    name: Line = Field(min_length=1, max_length=128, description="项目名称")
    description: Text = Field(default="", max_length=2000, description="项目说明")
    categories: list[Annotated[Line, Field(min_length=1, max_length=32)]] = Field(
        min_length=1, max_length=50, description="适用的诉求类别代码"
    )
    starts_on: Day = Field(description="开始日期")
    ends_on: Day = Field(description="结束日期（含）")
    budget: Amount = Field(description="总预算（元）")
    tiers: dict[Literal["minor", "moderate", "serious", "critical"], Amount] = Field(
        description="按严重程度的奖励金额（元）"
    )
    fine_pct: float = Field(default=0.0, ge=0, le=100, description="按罚没金额计奖的百分比")
    fine_cap: Amount = Field(default=0, description="按罚没金额计奖的上限（元）")
    monthly_count_limit: int = Field(default=5, ge=1, le=1000, description="每人每月奖励次数上限")
    monthly_amount_limit: Amount = Field(default=5000, description="每人每月奖励金额上限（元）")
    claim_deadline_days: int = Field(
        default=60, ge=1, le=3650, description="核实后领取奖励的期限（天）"
    )
    four_eyes_above: Amount | None = Field(
        default=None, description="超过此金额（元）须另一名管理员复核；缺省按系统设置"
    )


ClaimId = Annotated[BigId, Path(description="奖励申请编号")]


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
    cursor: CursorQuery = None,
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
    body: ProgramBody, who: Principal = Depends(reward_admin)
) -> dict[str, Any]:
    """Create a programme (amounts in yuan; tiers by severity)."""
    program = await programs.create_program(programs.ProgramIn(**body.model_dump()), who)
    return programs.program_view(program, admin=True)


@router.get(f"{ADMIN}/claims", response_model=ClaimsOut, responses=problems(403))
async def list_claims(
    _: Principal = Depends(reward_admin),
    status: ClaimStatus | None = Query(default=None),
    program_id: Annotated[Id | None, Query(description="奖励项目编号")] = None,
    category_code: LineQuery = None,
    flagged: bool | None = Query(default=None),
    limit: int = Query(default=20, ge=1, le=queries.MAX_LIMIT),
    cursor: CursorQuery = None,
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
async def claim_detail(claim_id: ClaimId, _: Principal = Depends(reward_admin)) -> dict[str, Any]:
    """The claim with the reporter's identity, the case, payouts and the verified audit trail."""
    return await queries.claim_detail(claim_id)


@router.post(
    f"{ADMIN}/claims/{{claim_id}}/approve",
    response_model=ClaimOut,
    responses=problems(403, 404, 409),
)
async def approve(
    claim_id: ClaimId, body: ApproveIn, who: Principal = Depends(reward_admin)
) -> dict[str, Any]:
    """Approve an amount within the programme's rules (a second administrator above the
    four-eyes threshold or for a flagged claim)."""
    return await decisions.approve(who, claim_id, body.amount)


@router.post(
    f"{ADMIN}/claims/{{claim_id}}/deny", response_model=ClaimOut, responses=problems(403, 404, 409)
)
async def deny(
    claim_id: ClaimId, body: DenyIn, who: Principal = Depends(reward_admin)
) -> dict[str, Any]:
    """Deny a claim, with the reason the reporter will see."""
    return await decisions.deny(who, claim_id, body.reason)


@router.get(f"{ADMIN}/payouts", response_model=PayoutsOut, responses=problems(403))
async def list_payouts(
    _: Principal = Depends(reward_admin),
    status: PayoutStatus | None = Query(default=None),
    limit: int = Query(default=20, ge=1, le=queries.MAX_LIMIT),
    cursor: CursorQuery = None,
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
    responses={**csv_doc("CSV（UTF-8）：已决定的奖励申请及其发放"), **problems(403)},
)
async def export_csv(
    _: Principal = Depends(reward_admin),
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: DayQuery = None,
) -> Response:
    """Decided claims and payouts for the finance office (decision dates, inclusive)."""
    body = await export.claims_csv(from_, to)
    name = f"rewards-{(from_ or 'month')}-{(to or 'today')}.csv"
    return csv_download(body, name)
