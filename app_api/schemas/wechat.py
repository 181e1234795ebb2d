"""Replies of the mini-program's sign-in, phone binding and subscribe-message consents."""

from __future__ import annotations

from pydantic import Field

from app_api.schemas.auth import CitizenLoginOut
from app_api.schemas.base import Out


class WeChatPhoneOut(CitizenLoginOut):
    """New tokens after binding the phone (for the surviving account when two were merged)."""

    merged: bool = Field(
        description="该手机号已属于另一账号时为 true：本账号已并入该账号，请改用这里的新令牌",
        examples=[False],
    )


class ConsentOut(Out):
    template_id: str = Field(description="订阅消息模板 ID", examples=["tmpl_case_progress"])
    status: str = Field(
        description="本次上报的结果：accept、reject、ban 或 filter", examples=["accept"]
    )
    remaining: int = Field(description="该模板还可发送的消息条数", examples=[1])


class ConsentsOut(Out):
    """The consents recorded, one entry per template reported."""

    items: list[ConsentOut] = Field(description="每个模板的记录结果")
