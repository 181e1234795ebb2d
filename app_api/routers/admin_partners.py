"""Partner systems (role admin): registered with a key and a webhook secret shown once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response

from app_api.deps import staff
from app_api.schemas.inputs import CursorQuery, Id
from app_api.schemas.partner_api import (
    DeliveryOut,
    DeliveryPageOut,
    DeliveryStatus,
    KeyRotatedOut,
    OverlapIn,
    SecretRotatedOut,
)
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
from partners import deliveries, rotation

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


PartnerId = Annotated[Id, Path(description="合作系统 ID")]


@router.patch("/partners/{id}", response_model=PartnerOut, responses=problems(403, 404, 422),
              summary="修改、停用合作系统")
async def update_partner(
    id: PartnerId, body: PartnerPatchIn,
    who: Principal = Depends(admin),
) -> dict[str, Any]:
    """改名、改权限、改单位或回调地址、停用（停用后其密钥立即失效）。"""
    return await partner_admin.update(who, id, body.changes())


@router.post("/partners/{id}/api-key", status_code=201, response_model=KeyRotatedOut,
             responses=problems(403, 404, 422), summary="轮换 API 密钥")
async def rotate_key(
    id: PartnerId, body: OverlapIn = Body(default_factory=OverlapIn),
    who: Principal = Depends(admin),
) -> dict[str, Any]:
    """新密钥只显示这一次；旧密钥在 overlap_s 秒内仍可使用（0：立即失效）。"""
    return await rotation.rotate_key(who, id, body.overlap_s)


@router.delete("/partners/{id}/api-key/previous", status_code=204,
               responses=problems(403, 404), summary="立即吊销旧 API 密钥")
async def revoke_old_key(id: PartnerId, who: Principal = Depends(admin)) -> Response:
    """结束重叠期：轮换前的密钥从下一个请求起即被拒绝（401）。"""
    await rotation.revoke_old_key(who, id)
    return Response(status_code=204)


@router.post("/partners/{id}/webhook-secret", status_code=201, response_model=SecretRotatedOut,
             responses=problems(403, 404, 422), summary="轮换回调签名密钥")
async def rotate_secret(
    id: PartnerId, body: OverlapIn = Body(default_factory=OverlapIn),
    who: Principal = Depends(admin),
) -> dict[str, Any]:
    """新密钥只显示这一次；重叠期内回调的 X-Hotline-Signature 同时带新旧两个签名。"""
    return await rotation.rotate_secret(who, id, body.overlap_s)


@router.get("/partners/{id}/deliveries", response_model=DeliveryPageOut,
            responses=problems(403, 404, 422), summary="回调投递记录")
async def list_deliveries(
    id: PartnerId, who: Principal = Depends(admin),
    status: Annotated[DeliveryStatus | None, Query(description="按状态筛选")] = None,
    limit: Limit = 20, cursor: CursorQuery = None,
) -> dict[str, Any]:
    """该合作系统的事件回调，新的在前：状态、尝试次数、最近一次的错误。"""
    return await deliveries.list_deliveries(who, id, status=status, limit=limit, cursor=cursor)


@router.post("/partners/{id}/deliveries/{delivery_id}/replay", status_code=202,
             response_model=DeliveryOut, responses=problems(403, 404), summary="重发一次回调")
async def replay_delivery(
    id: PartnerId, delivery_id: Annotated[Id, Path(description="投递记录 ID")],
    who: Principal = Depends(admin),
) -> dict[str, Any]:
    """立即重新排队发送（事件 ID 与内容不变，重新计一天的重试期）。"""
    return await deliveries.replay(who, id, delivery_id)
