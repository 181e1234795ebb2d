"""Real-name verification: at a counter (staff), at a kiosk (device key), online (citizen).

The rules live in ``identity.real_name``; replies show the name and ID number masked.
Counter roles: ``operator`` and ``reward_admin`` only. ``admin`` is not among them: the
transition table's superuser rule covers case actions, and binding a person's ID number is
done by the people who check the card (docs/ARCHITECTURE.md, "Real-name identity").
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Security

from app_api.deps import citizen, device_key, require_roles, staff
from app_api.schemas.problem import problems
from app_api.schemas.real_name import (
    CounterRealNameIn,
    KioskRealNameIn,
    OnlineRealNameIn,
    RealNameOut,
)
from hotline.errors import Unauthorized
from identity import real_name
from identity import staff as staff_service
from identity.principal import Principal

router = APIRouter(tags=["real-name"])

COUNTER_ROLES = ("operator", "reward_admin")


async def kiosk(key: str | None = Security(device_key)) -> Principal:
    if not key:
        raise Unauthorized("需要自助终端的设备密钥（X-Device-Key）", code="device_key_required")
    return await staff_service.device_principal(key)


@router.post(
    "/staff/citizens/real-name",
    response_model=RealNameOut,
    responses=problems(401, 403, 409),
    summary="柜台实名认证",
    description="operator 或 reward_admin 核验身份证原件后登记 {phone, name, id_number}；"
    "按手机号找到或创建市民账号并绑定。号码无效为 422 invalid_id_number；"
    "号码已绑定其他账号为 409 id_number_in_use。不返回完整号码。",
)
async def at_counter(body: CounterRealNameIn, who: Principal = Depends(staff)) -> dict[str, Any]:
    require_roles(who, *COUNTER_ROLES)
    bound = await real_name.at_counter(who, body.phone, body.name, body.id_number)
    return real_name.summary(bound)


@router.post(
    "/kiosk/real-name",
    response_model=RealNameOut,
    responses=problems(401, 409, 429),
    summary="自助终端实名认证",
    description="设备密钥（X-Device-Key）；姓名和号码由终端的身份证阅读器读取，"
    "手机号以 POST /auth/sms-code 发送的验证码证明（错误或过期为 401 invalid_code）。",
)
async def at_kiosk(body: KioskRealNameIn, device: Principal = Depends(kiosk)) -> dict[str, Any]:
    bound = await real_name.at_kiosk(device, body.phone, body.sms_code, body.name, body.id_number)
    return real_name.summary(bound)


@router.post(
    "/me/real-name",
    response_model=RealNameOut,
    responses=problems(401, 404, 409, 429, 503),
    summary="在线实名认证",
    description="由身份核验服务核对姓名与身份证号码（有登录手机号时一并核对）。"
    "未开通时为 404 idv_disabled；核验不一致为 422 identity_mismatch；"
    "服务不可用为 503 idv_unavailable。",
)
async def online(body: OnlineRealNameIn, who: Principal = Depends(citizen)) -> dict[str, Any]:
    bound = await real_name.online(who, body.name, body.id_number)
    return real_name.summary(bound)
