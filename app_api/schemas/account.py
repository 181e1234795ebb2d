"""Bodies and replies of the citizen's account: ``/me``, ``/me/phone`` and ``/auth/logout``.

Unknown fields are refused (422 naming the field), so a misspelt preference is never ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictBool

from app_api.schemas.base import Exact
from app_api.schemas.inputs import Line
from app_api.schemas.requests import example


class NotifyIn(BaseModel):
    model_config = example({"sms": False}, "通知偏好：只改给出的渠道", forbid_unknown=True)

    sms: StrictBool | None = Field(default=None, description="是否接收短信通知")
    wechat: StrictBool | None = Field(
        default=None, description="是否接收微信通知（订阅消息、公众号模板消息）"
    )


class MePatchIn(BaseModel):
    model_config = example(
        {"notify": {"sms": False, "wechat": True}},
        "修改通知偏好。登录验证码、换绑手机号通知、领奖码和奖励发放通知不受此设置影响，始终发送。",
        forbid_unknown=True,
    )

    notify: NotifyIn | None = Field(default=None, description="通知偏好")


class PhoneChangeIn(BaseModel):
    model_config = example(
        {"phone": "13900139000", "code": "482913"},
        "换绑手机号：先用 POST /auth/sms-code 向新号码发送验证码",
        forbid_unknown=True,
    )

    phone: Line = Field(min_length=1, max_length=20, description="新手机号码（中国大陆）")
    code: str = Field(pattern=r"^[0-9]{6}$", description="发送到新号码的 6 位验证码")


class LogoutIn(BaseModel):
    model_config = example(
        {"refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."},
        "退出登录：给出 refresh_token 退出本次登录，或 all: true 退出全部登录，二者选一",
        forbid_unknown=True,
    )

    refresh_token: Line | None = Field(
        default=None, min_length=1, max_length=2000, description="要作废的 refresh_token"
    )
    all: StrictBool = Field(default=False, description="为 true 时作废调用者的全部 refresh_token")


class NotifyOut(Exact):
    sms: bool = Field(description="是否接收短信通知", examples=[True])
    wechat: bool = Field(description="是否接收微信通知", examples=[False])


class MeOut(Exact):
    """市民本人的账号信息（手机号、姓名已脱敏）。"""

    id: int = Field(description="市民编号", examples=[1024])
    phone_masked: str | None = Field(
        description="脱敏手机号（仅微信登录、未绑定手机时为 null）", examples=["138****8000"]
    )
    name_masked: str | None = Field(description="脱敏姓名（实名认证后才有）", examples=["王*明"])
    real_name_verified: bool = Field(description="是否已实名认证", examples=[True])
    real_name_method: Literal["counter", "kiosk", "online"] | None = Field(
        description="实名认证方式：counter 窗口，kiosk 自助终端，online 在线核验",
        examples=["counter"],
    )
    notify: NotifyOut = Field(description="通知偏好")
    created_at: datetime = Field(description="注册时间", examples=["2026-11-27T09:30:00+08:00"])
