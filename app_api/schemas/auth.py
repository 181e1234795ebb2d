"""Replies of sign-in: login codes, token pairs, the citizen and staff summaries."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app_api.schemas.base import Out, UnitRef

JWT_EXAMPLE = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjaXRpemVuOjEyIn0.c2lnbmF0dXJl"


class CodeSentOut(Out):
    """The login code is on its way (an SMS through the outbox)."""

    sent: bool = Field(description="已受理发送（始终为 true）", examples=[True])
    expires_in: int = Field(description="验证码有效期（秒）", examples=[300])


class TokenPairOut(Out):
    """A fresh access token and a one-time refresh token."""

    access_token: str = Field(
        description="访问令牌（JWT），放入 Authorization: Bearer 头", examples=[JWT_EXAMPLE]
    )
    refresh_token: str = Field(
        description="刷新令牌，仅可使用一次，用 /auth/refresh 换取新的一对令牌",
        examples=[JWT_EXAMPLE],
    )
    token_type: Literal["bearer"] = Field(
        description="令牌类型，固定为 bearer", examples=["bearer"]
    )
    expires_in: int = Field(description="访问令牌有效期（秒）", examples=[3600])


class CitizenSummaryOut(Out):
    id: int = Field(description="市民账号 ID", examples=[12])
    phone_masked: str | None = Field(
        description="脱敏手机号（未绑定手机号时为 null）", examples=["138****8000"]
    )
    real_name_verified: bool = Field(description="是否已完成实名认证", examples=[False])


class CitizenLoginOut(TokenPairOut):
    """Tokens for a citizen, with who they are."""

    citizen: CitizenSummaryOut = Field(description="登录的市民")


class StaffSummaryOut(Out):
    id: int = Field(description="工作人员 ID", examples=[3])
    username: str = Field(description="用户名", examples=["dispatcher"])
    roles: list[str] = Field(
        description="角色：operator、dispatcher、handler、supervisor、reward_admin、admin、kb_editor、publisher",
        examples=[["dispatcher"]],
    )
    unit: UnitRef = Field(description="所属单位；可见范围为该单位及其下级")


class StaffLoginOut(TokenPairOut):
    """Tokens for a staff member, with their roles and unit."""

    staff: StaffSummaryOut = Field(description="登录的工作人员")
    must_change_password: bool = Field(
        description="管理员重置了密码：须先用 POST /auth/staff-password 修改密码，"
                    "此前其他接口均回答 403 password_change_required",
        examples=[False],
    )
