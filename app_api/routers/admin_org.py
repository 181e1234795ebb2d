"""Units, staff and kiosks (role admin, within the unit subtree)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from app_api.deps import staff
from app_api.schemas.admin_org import (
    DeviceCreatedOut,
    DeviceIn,
    DevicePageOut,
    PasswordResetIn,
    StaffIn,
    StaffOut,
    StaffPageOut,
    StaffPatchIn,
    UnitIn,
    UnitOut,
    UnitPageOut,
    UnitPatchIn,
)
from app_api.schemas.inputs import CursorQuery, Id, IdQuery, LineQuery
from app_api.schemas.problem import problems
from identity import devices, staff_admin
from identity.principal import Principal
from models.org import StaffRole
from organisation import pages, scope, units

router = APIRouter(prefix="/admin", tags=["admin"])

PathId = Annotated[Id, Path(description="ID")]
Limit = Annotated[int, Query(ge=1, le=pages.MAX_LIMIT, description="每页条数")]
ActiveQuery = Annotated[bool | None, Query(description="按启用状态筛选")]


def admin(who: Principal = Depends(staff)) -> Principal:
    scope.require_admin(who)
    return who


@router.get("/units", response_model=UnitPageOut, responses=problems(403), summary="单位列表")
async def list_units(
    who: Principal = Depends(admin), q: LineQuery = None,
    parent_id: Annotated[Id | None, Query(description="上级单位 ID")] = None,
    active: ActiveQuery = None, limit: Limit = 20, cursor: CursorQuery = None,
) -> dict[str, Any]:
    """管理范围内（本单位及其下级）的单位；q 匹配名称或代码。"""
    return await units.list_units(who, q=q, parent_id=parent_id, active=active, limit=limit,
                                  cursor=cursor)


@router.post("/units", status_code=201, response_model=UnitOut,
             responses=problems(403, 409), summary="新建单位")
async def create_unit(body: UnitIn, who: Principal = Depends(admin)) -> dict[str, Any]:
    """单位代码重复为 409 duplicate_code；区划不存在为 422 unknown_region；上级单位不存在、
    不在管理范围内或已停用为 422（errors 指向 parent_id）。"""
    return await units.create_unit(who, **body.model_dump())


@router.patch("/units/{id}", response_model=UnitOut, responses=problems(403, 404, 409),
              summary="修改、移动、停用单位")
async def update_unit(id: PathId, body: UnitPatchIn,
                      who: Principal = Depends(admin)) -> dict[str, Any]:
    """移动时重算整个下级树及其诉求的路径；上级为自身或下级为 422 parent_cycle。停用须无未办结
    诉求（409 unit_has_open_cases，open_cases 为件数）、启用的下级单位、在岗人员和启用的终端；
    不能移动或停用自己所在的单位（409 own_unit）。"""
    return await units.update_unit(who, id, body.model_dump(exclude_unset=True))


@router.get("/staff", response_model=StaffPageOut, responses=problems(403), summary="工作人员列表")
async def list_staff(
    who: Principal = Depends(admin), q: LineQuery = None, unit_id: IdQuery = None,
    role: Annotated[StaffRole | None, Query(description="按角色筛选")] = None,
    active: ActiveQuery = None, limit: Limit = 20,
    cursor: CursorQuery = None,
) -> dict[str, Any]:
    """管理范围内的工作人员；q 匹配用户名或姓名，role 为角色名。"""
    return await staff_admin.list_staff(who, q=q, unit_id=unit_id,
                                        role=role.value if role else None, active=active,
                                        limit=limit, cursor=cursor)


@router.post("/staff", status_code=201, response_model=StaffOut,
             responses=problems(403, 409), summary="新建工作人员")
async def create_staff(body: StaffIn, who: Principal = Depends(admin)) -> dict[str, Any]:
    """用户名重复为 409 duplicate_username；未知角色 422 unknown_role；单位不在管理范围内
    422（unit_id）；密码强度不足 422 weak_password。"""
    return await staff_admin.create_staff(who, **body.model_dump())


@router.patch("/staff/{id}", response_model=StaffOut, responses=problems(403, 404, 409),
              summary="修改、停用工作人员")
async def update_staff(id: PathId, body: StaffPatchIn,
                       who: Principal = Depends(admin)) -> dict[str, Any]:
    """active: false 停用账号，其全部令牌立即失效。不能停用自己（409 own_account）或取消
    自己的 admin 角色（409 own_admin_role）。"""
    return await staff_admin.update_staff(who, id, body.model_dump(exclude_unset=True))


@router.post("/staff/{id}/password", response_model=StaffOut,
             responses=problems(403, 404, 409), summary="重置工作人员密码")
async def reset_password(id: PathId, body: PasswordResetIn,
                         who: Principal = Depends(admin)) -> dict[str, Any]:
    """设置新密码并要求对方下次登录后先修改；对方的全部登录立即失效。
    不能重置自己的密码（409 own_password）。"""
    return await staff_admin.reset_password(who, id, body.password)


@router.get("/devices", response_model=DevicePageOut, responses=problems(403),
            summary="自助终端列表")
async def list_devices(
    who: Principal = Depends(admin), unit_id: IdQuery = None, active: ActiveQuery = None,
    limit: Limit = 20, cursor: CursorQuery = None,
) -> dict[str, Any]:
    """管理范围内的自助终端（不含密钥）。"""
    return await devices.list_devices(who, unit_id=unit_id, active=active, limit=limit,
                                      cursor=cursor)


@router.post("/devices", status_code=201, response_model=DeviceCreatedOut,
             responses=problems(403), summary="登记自助终端")
async def create_device(body: DeviceIn, who: Principal = Depends(admin)) -> dict[str, Any]:
    """回复中的 key 只显示这一次；单位不在管理范围内或已停用为 422（unit_id）。"""
    device, key = await devices.register(who, body.name, body.unit_id)
    return device | {"key": key}


@router.delete("/devices/{id}", status_code=204, response_class=Response,
               responses=problems(403, 404), summary="吊销自助终端")
async def revoke_device(id: PathId, who: Principal = Depends(admin)) -> Response:
    """停用终端，其密钥立即失效（再次吊销无变化）。"""
    await devices.revoke(who, id)
    return Response(status_code=204)
