"""The partner API: other systems with an ``X-Api-Key`` (``partners.keys``) transfer cases in,
read them and report a unit's steps. The rules are in ``partners``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Security
from fastapi.security import APIKeyHeader

from app_api.responses import JSON
from app_api.schemas.partner_api import PartnerCaseIn, PartnerCaseOut, PartnerEventIn
from app_api.schemas.problem import problems
from models.partner import Partner
from partners import acting, inbound, keys

router = APIRouter(prefix="/partner", tags=["partners"])

partner_key = APIKeyHeader(name="X-Api-Key", auto_error=False, scheme_name="partner_key",
                           description="a partner's API key (POST /admin/partners)")
Ref = Annotated[str, Path(min_length=1, max_length=64,
                          description="对方系统的编号 external_id，或诉求编号")]


def _scoped(scope: str) -> Any:
    async def partner(x_api_key: str | None = Security(partner_key)) -> Partner:
        return await keys.authenticate(x_api_key, scope)

    return Depends(partner)


@router.post("/cases", status_code=201, response_model=PartnerCaseOut,
             responses=problems(401, 403, 422),
             summary="转入诉求（110 转办、其他系统）")
async def transfer_case(body: PartnerCaseIn, partner: Partner = _scoped("cases:create")) -> JSON:
    """权限 cases:create。与其他渠道相同的受理流程（编号、时限、派单）；来源记为 channel。
    同一合作系统重复提交同一 external_id（含并发）只建立一件诉求：其后的提交回复 200
    和第一次建立的诉求（query_code 为 null）。"""
    contact = body.citizen
    sub = body.to_submission(body.channel, contact_name=contact.name if contact else None)
    if contact and contact.phone and not sub.contact_phone:
        sub.contact_phone = contact.phone
    status, reply = await inbound.transfer(partner, sub, body.external_id)
    return JSON(reply, status_code=status)


@router.get("/cases/{ref}", response_model=PartnerCaseOut, responses=problems(401, 403, 404),
            summary="诉求状态与进程")
async def read_case(ref: Ref, partner: Partner = _scoped("cases:read")) -> dict[str, Any]:
    """权限 cases:read。本系统转入的诉求，或（单位 OA）派至本单位的诉求；其他为 404。"""
    return await inbound.read(partner, ref)


@router.post("/cases/{ref}/events", response_model=PartnerCaseOut,
             responses=problems(401, 403, 404, 409, 422), summary="报告办理步骤（单位 OA）")
async def report_event(
    ref: Ref, body: PartnerEventIn, partner: Partner = _scoped("events"),
) -> dict[str, Any]:
    """权限 events，且代表承办单位。sign、notice、reply 经与工作人员相同的流转表和时限；
    当前状态不允许的步骤为 409 invalid_transition。"""
    payload = body.model_dump(mode="json", exclude_none=True, exclude={"action"})
    return await acting.report(partner, ref, body.action, payload)
