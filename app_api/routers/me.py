"""The citizen's own account (``/me``, ``/me/phone``) and signing out (``/auth/logout``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response, Security

from app_api.deps import bearer, citizen, signed_in
from app_api.schemas.account import LogoutIn, MeOut, MePatchIn, PhoneChangeIn
from app_api.schemas.problem import problems
from hotline.errors import Unauthorized
from identity import account
from identity.principal import Principal

router = APIRouter(tags=["account"])


async def account_holder(authorization: str | None = Security(bearer)) -> Principal:
    """A citizen or a staff member signed in with a token (a kiosk has no session)."""
    who = await signed_in(authorization)  # a staff member who must change the password too
    if who is None or who.kind not in ("citizen", "staff"):
        raise Unauthorized("需要登录")
    return who


@router.get("/me", response_model=MeOut, responses=problems(401), summary="我的账号")
async def me(who: Principal = Depends(citizen)) -> dict[str, Any]:
    """市民本人的账号：脱敏手机号和姓名、实名状态、通知偏好。仅限市民令牌。"""
    return await account.profile(who.id)


@router.patch("/me", response_model=MeOut, responses=problems(401), summary="修改通知偏好")
async def update_me(body: MePatchIn, who: Principal = Depends(citizen)) -> dict[str, Any]:
    """关闭的渠道不再发送通知（可改由另一个开启的渠道发送，都关闭则不发送）；
    登录验证码、换绑通知、领奖码和奖励发放通知始终发送。"""
    notify = body.notify
    return await account.set_preferences(
        who.id, sms=notify.sms if notify else None, wechat=notify.wechat if notify else None
    )


@router.post(
    "/me/phone", response_model=MeOut, responses=problems(401, 409, 429), summary="换绑手机号"
)
async def change_phone(body: PhoneChangeIn, who: Principal = Depends(citizen)) -> dict[str, Any]:
    """用发送到新号码的验证码换绑；原号码会收到通知。验证码错误或过期为 401 invalid_code，
    新号码已绑定其他账号为 409 phone_in_use。"""
    return await account.change_phone(who.id, body.phone, body.code)


@router.post(
    "/auth/logout", status_code=204, response_class=Response, responses=problems(401),
    tags=["auth"], summary="退出登录",
)
async def logout(body: LogoutIn, who: Principal = Depends(account_holder)) -> Response:
    """作废调用者的 refresh_token，或 all: true 退出全部登录：作废其全部 refresh_token，
    已签发的 access_token 也立即失效（提交诉求 POST /cases 除外，至多 1 小时后到期）。
    不属于调用者的令牌不会被作废（回答相同，不透露令牌属于谁）。仅退出本次登录时，
    access_token 在到期前仍然有效。"""
    await account.logout(who, body.refresh_token, body.all)
    return Response(status_code=204)
