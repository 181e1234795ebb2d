"""Request and reply bodies of real-name verification (counter, kiosk, online)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app_api.schemas.base import Exact
from app_api.schemas.inputs import Line
from app_api.schemas.requests import example

PHONE = Field(min_length=1, max_length=20, description="手机号码（中国大陆）")
NAME = Field(min_length=1, max_length=50, description="姓名（与身份证一致）")
ID_NUMBER = Field(
    min_length=15, max_length=24,
    description="18 位公民身份号码（末位可为 X；校验码与出生日期会被检查）",
)


class CounterRealNameIn(BaseModel):
    model_config = example(
        {"phone": "13800138000", "name": "王小明", "id_number": "11010519491231002X"},
        "柜台实名认证：工作人员核验身份证原件后登记",
    )

    phone: Line = PHONE
    name: Line = NAME
    id_number: Line = ID_NUMBER


class KioskRealNameIn(BaseModel):
    model_config = example(
        {
            "phone": "13800138000",
            "sms_code": "482913",
            "name": "王小明",
            "id_number": "11010519491231002X",
        },
        "自助终端实名认证：姓名和号码由终端的身份证阅读器读取，手机号以短信验证码证明",
    )

    phone: Line = PHONE
    sms_code: str = Field(
        pattern=r"^[0-9]{6}$", description="发送到该手机号的 6 位验证码（POST /auth/sms-code）"
    )
    name: Line = NAME
    id_number: Line = ID_NUMBER


class OnlineRealNameIn(BaseModel):
    model_config = example(
        {"name": "王小明", "id_number": "11010519491231002X"},
        "在线实名认证：由身份核验服务核对姓名与身份证号码（及登录手机号）",
    )

    name: Line = NAME
    id_number: Line = ID_NUMBER


class RealNameOut(Exact):
    """实名认证结果（姓名与身份证号码均已脱敏，不返回完整号码）。"""

    citizen_id: int = Field(description="市民账号编号", examples=[1024])
    real_name_verified: bool = Field(description="是否已实名认证", examples=[True])
    real_name_method: Literal["counter", "kiosk", "online"] | None = Field(
        description="认证方式：counter 柜台、kiosk 自助终端、online 在线", examples=["counter"]
    )
    real_name_verified_at: str | None = Field(
        description="认证时间（ISO 8601）", examples=["2026-12-01T10:00:00+08:00"]
    )
    name_masked: str | None = Field(description="脱敏姓名，例如 王*明", examples=["王*明"])
    id_number_masked: str | None = Field(
        description="脱敏身份证号码，例如 110105********002X", examples=["110105********002X"]
    )
