"""Partner systems (role admin): registered with a key and a webhook secret shown once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from app_api.deps import staff
from app_api.schemas.inputs import CursorQuery, Id
from app_api.schemas.partners import (
    PartnerCreatedOut,
    PartnerIn,
    PartnerOut,
    PartnerPageOut,
    PartnerPatchIn,
)
from app_api.schemas.problem import problems
from identity.principal import Principal
from organisation import pages, scope
from partners import admin as partner_admin

router = APIRouter(prefix="/admin", tags=["admin"])

Limit = Annotated[int, Query(ge=1, le=pages.MAX_LIMIT, description="每页条数")]


def admin(who: Principal = Depends(staff)) -> Principal:
    scope.require_admin(who)
    return who


@router.get("/partners", response_model=PartnerPageOut, responses=problems(403),
            summary="合作系统列表")
async def list_partners(
    who: Principal = Depends(admin),
    active: Annotated[bool | None, Query(description="按启用状态筛选")] = None,
    limit: Limit = 20, cursor: CursorQuery = None,
) -> dict[str, Any]:
    """管理范围内的合作系统（全省范围的仅省级平台管理员可见）。"""
    return await partner_admin.list_partners(who, active=active, limit=limit, cursor=cursor)


@router.post("/partners", status_code=201, response_model=PartnerCreatedOut,
             responses=problems(403, 422), summary="登记合作系统")
async def create_partner(body: PartnerIn, who: Principal = Depends(admin)) -> dict[str, Any]:
    """回复中的 api_key 和 webhook_secret 只显示这一次。回调地址指向内网或本机为 422
    webhook_target_private。"""
    data = partner_admin.PartnerIn(**body.model_dump())
    partner, api_key, secret = await partner_admin.create(who, data)
    return partner | {"api_key": api_key, "webhook_secret": secret}


@router.patch("/partners/{id}", response_model=PartnerOut, responses=problems(403, 404, 422),
              summary="修改、停用合作系统")
async def update_partner(
    id: Annotated[Id, Path(description="合作系统 ID")], body: PartnerPatchIn,
    who: Principal = Depends(admin),
) -> dict[str, Any]:
    """改名、改权限、改单位或回调地址、停用（停用后其密钥立即失效）。"""
    return await partner_admin.update(who, id, body.changes())
