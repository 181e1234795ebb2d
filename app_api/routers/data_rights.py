"""A citizen's data rights (PIPL): a copy of everything held about them, and erasure."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from app_api.deps import citizen
from app_api.schemas.data_rights import ExportOut
from app_api.schemas.problem import problems
from identity.principal import Principal
from privacy import erasure, export

router = APIRouter(tags=["account"])


@router.get("/me/export", response_model=ExportOut, responses=problems(401))
async def export_my_data(who: Principal = Depends(citizen)) -> dict[str, Any]:
    """导出平台保存的本人全部个人信息（《个人信息保护法》第四十五条）：账号资料（手机号、
    姓名、身份证号完整展示）、微信绑定、实名核验记录、诉求及办理经过、评价、照片、
    有奖举报申请和发放记录、发给本人的消息。仅限市民本人调用。"""
    return await export.export(who)


@router.delete("/me", status_code=204, response_class=Response, responses=problems(401))
async def erase_my_account(who: Principal = Depends(citizen)) -> Response:
    """注销账号并删除个人信息（《个人信息保护法》第四十七条）：姓名、手机号、身份证号、
    微信标识和登录凭证全部删除；诉求作为政务记录保留，但不再关联本人、不含联系方式；
    尚未审批的奖励申请撤回，已发放的保留财务记录（不含联系方式）；待发消息取消。
    此后原登录凭证一律无效（401）。"""
    await erasure.erase(who.id)
    return Response(status_code=204)
