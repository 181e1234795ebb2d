"""The reward administrators' desk: the claims queue, a claim beside the earlier reports it was
compared with and its decision (four-eyes shown), payouts, the hall desk's redeem and the
finance export — through ``rewards`` (decisions, payouts, export, queries, comparison).

Role ``reward_admin`` only, as the API's ``/admin/rewards``: the claim page shows the
reporter's identity in full, which no other role sees (administrators included)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app_api.responses import csv_download
from casework import reference
from console import templating
from console.desks.common import after, download, flag, message, only_roles, pages
from hotline import settings as settings_mod
from hotline.errors import ValidationProblem
from hotline.timefmt import SHANGHAI
from identity.web_sessions import WebSession
from models.reward import ClaimStatus, PayoutStatus
from rewards import comparison, decisions, export, payouts, programs, queries
from rewards.views import PAYOUT_LABELS, STATUS_LABELS

router = APIRouter(prefix="/rewards")
RewardAdmin = Annotated[WebSession, Depends(only_roles("reward_admin"))]
HOME = "/console/rewards"
ClaimId = Annotated[int, Path(ge=1, le=2**62)]

# the queue's tabs: what waits for a decision first
TABS = [("eligible", "待审批"), ("second_approval", "待第二人复核"), ("approved", "已批准"),
        ("paid", "已发放"), ("denied", "不予奖励"), ("", "全部")]
DONE = {
    "approve_first": "已初审通过，待第二人复核。",
    "approve": "已批准，奖励进入发放。",
    "deny": "已作出不予奖励的决定，举报人将收到通知。",
}


class ApproveForm(BaseModel):
    amount: str = Field(min_length=1, max_length=16)


class DenyForm(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


class RedeemForm(BaseModel):
    code: str = Field(min_length=6, max_length=20, pattern=r"^[0-9 ]+$")


@router.get("")
async def claims(
    request: Request, me: RewardAdmin,
    status: Literal["eligible", "second_approval", "approved", "paid", "denied", "open",
                    "ineligible", "duplicate", "expired", "withdrawn", ""] = "eligible",
    flagged: Literal["1", "0", ""] = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    page = await queries.list_claims(status=status or None, flagged=flag(flagged),
                                     cursor=cursor)
    return templating.render(request, "rewards/claims.html", {
        "page": page, "status": status, "flagged": flagged, "tabs": TABS,
        "categories": await reference.categories(),
        **pages(request, page["next_cursor"]),
    }, session=me)


def _relative(url: str) -> str:
    """A signed photo URL as a path of this site (the page may be served under another host
    name than ``public_base_url``)."""
    base = settings_mod.current().public_base_url.rstrip("/")
    return url[len(base):] if base and url.startswith(base) else url


def _photos(evidence: dict[str, Any]) -> dict[str, Any]:
    for p in evidence["photos"]:
        p["url"], p["thumb_url"] = _relative(p["url"]), _relative(p["thumb_url"])
    return evidence


@router.get("/claims/{claim_id}")
async def claim_page(request: Request, me: RewardAdmin, claim_id: ClaimId) -> Response:
    claim = await queries.claim_detail(claim_id)
    compared = await comparison.compared(me.principal, claim_id)
    program = await programs.admin_program(claim["program"]["id"])
    decidable = claim["status"] in [str(s) for s in decisions.DECIDABLE]
    return templating.render(request, "rewards/claim.html", {
        "claim": claim, "evidence": _photos(compared["claim"]),
        "others": [_photos(o) for o in compared["others"]], "program": program,
        "decidable": decidable,
        "deniable": claim["status"] in [str(s) for s in decisions.DENIABLE],
        "own_first": claim["first_approver_id"] == me.principal.id,
        "done": message(request, DONE),
    }, session=me)


@router.post("/claims/{claim_id}/approve")
async def approve(claim_id: ClaimId, me: RewardAdmin,
                  form: Annotated[ApproveForm, Form()]) -> Response:
    result = await decisions.approve(me.principal, claim_id, form.amount.strip())
    done = "approve_first" if result["status"] == str(ClaimStatus.second_approval) else "approve"
    return after(f"{HOME}/claims/{claim_id}", done)


@router.post("/claims/{claim_id}/deny")
async def deny(claim_id: ClaimId, me: RewardAdmin, form: Annotated[DenyForm, Form()]) -> Response:
    await decisions.deny(me.principal, claim_id, form.reason)
    return after(f"{HOME}/claims/{claim_id}", "deny")


@router.get("/payouts")
async def payout_list(
    request: Request, me: RewardAdmin,
    status: Literal["pending", "sending", "unknown", "awaiting_pickup", "paid", "failed",
                    "expired", ""] = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    page = await queries.list_payouts(status=status or None, cursor=cursor)
    return templating.render(request, "rewards/payouts.html", {
        "page": page, "status": status, "labels": PAYOUT_LABELS,
        "statuses": [s.value for s in PayoutStatus], **pages(request, page["next_cursor"]),
    }, session=me)


@router.get("/redeem")
async def redeem_form(request: Request, me: RewardAdmin) -> Response:
    return templating.render(request, "rewards/redeem.html", {"result": None}, session=me)


@router.post("/redeem")
async def redeem(request: Request, me: RewardAdmin,
                 form: Annotated[RedeemForm, Form()]) -> Response:
    """Pays at the hall: the page shows the payee's name to check against the ID card."""
    result = await payouts.redeem(me.principal, form.code)
    return templating.render(request, "rewards/redeem.html", {"result": result}, session=me)


def _day(value: str, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationProblem(f"{label}格式应为 YYYY-MM-DD", code="invalid_date") from None


@router.get("/export")
async def export_form(request: Request, me: RewardAdmin) -> Response:
    today = datetime.now(SHANGHAI).date()
    return templating.render(request, "rewards/export.html", {
        "from_": today.replace(day=1).isoformat(), "to": today.isoformat(),
        "statuses": STATUS_LABELS,
    }, session=me)


@router.get("/export.csv")
async def export_csv(
    me: RewardAdmin,
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """The finance office's CSV (decided claims and their payouts, by decision date)."""
    start, end = _day(from_, "起始日期"), _day(to, "截止日期")
    if start and end and end < start:
        raise ValidationProblem("截止日期不能早于起始日期", code="invalid_period")
    body = await export.claims_csv(start, end)
    return download(csv_download(body, f"rewards-{start or 'month'}-{end or 'today'}.csv"))
