"""Request bodies of the HTTP contract (API.md). Field names are fixed by the contract.

Every field is one of the input-policy types of :mod:`app_api.schemas.inputs`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app_api.schemas.inputs import Line, OccurredAt, PhotoId, Text
from casework.intake import Submission

Kind = Literal["consultation", "help", "complaint", "report", "suggestion", "praise"]


class Strict(BaseModel):
    """Request bodies: strict types (a wrong type is a 422), surrounding spaces stripped."""

    model_config = ConfigDict(strict=True, str_strip_whitespace=True)


def example(
    value: dict[str, Any], description: str = "", *, forbid_unknown: bool = False
) -> ConfigDict:
    """A request model's config: its example and its Chinese description in /openapi.json;
    with ``forbid_unknown`` a field the model does not know is a 422 naming it."""
    extra: dict[str, Any] = {"examples": [value]}
    if description:
        extra["description"] = description
    config = ConfigDict(strict=True, str_strip_whitespace=True, json_schema_extra=extra)
    if forbid_unknown:
        config["extra"] = "forbid"
    return config


class PhoneIn(Strict):
    model_config = example({"phone": "13800138000"}, "请求短信验证码")

    phone: Line = Field(min_length=1, max_length=20, description="手机号码（中国大陆）")


class SmsLoginIn(Strict):
    model_config = example({"phone": "13800138000", "code": "482913"}, "短信验证码登录")

    phone: Line = Field(min_length=1, max_length=20, description="手机号码（中国大陆）")
    code: str = Field(pattern=r"^[0-9]{6}$", description="短信中的 6 位验证码")


class RefreshIn(Strict):
    model_config = example(
        {"refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."},
        "用 refresh_token 换一对新令牌",
    )

    refresh_token: Line = Field(
        min_length=1, max_length=2000, description="登录时得到的 refresh_token（仅可使用一次）"
    )


class StaffLoginIn(Strict):
    model_config = example(
        {"username": "dispatcher", "password": "hotline-demo-2026"},
        "工作人员登录（连续失败会被暂时锁定）",
    )

    username: Line = Field(min_length=1, max_length=64, description="工作人员用户名")
    password: str = Field(min_length=1, max_length=256, description="密码")


LOCATION_EXAMPLE: dict[str, Any] = {
    "lat": 30.2741, "lng": 120.1551, "address": "杭州市西湖区文三路", "region_code": "330106"
}


class LocationIn(Strict):
    model_config = example(LOCATION_EXAMPLE, "发生地点")

    lat: float = Field(ge=-90, le=90, description="纬度（WGS-84）")
    lng: float = Field(ge=-180, le=180, description="经度（WGS-84）")
    address: Text | None = Field(default=None, max_length=255, description="地址描述")
    region_code: str | None = Field(
        default=None, pattern=r"^[0-9]{6}([0-9]{3})?$", description="行政区划代码（6 位或 9 位）"
    )

    @field_validator("lat", mode="before")
    @classmethod
    def _lat_number(cls, v: object) -> object:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("lng", mode="before")
    @classmethod
    def _lng_number(cls, v: object) -> object:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


CASE_EXAMPLE: dict[str, Any] = {
    "kind": "complaint",
    "category_code": "ENV-NOISE",
    "content": "小区旁边工地夜间施工噪音很大，影响休息。",
    "title": "工地夜间施工噪音",
    "location": LOCATION_EXAMPLE,
    "occurred_at": "2026-11-27T22:30:00+08:00",
    "photo_ids": [],
    "anonymous": False,
    "confidential": False,
    "public": False,
}


class CaseIn(Strict):
    model_config = example(CASE_EXAMPLE, "提交诉求")

    kind: Kind = Field(description="诉求类型：咨询、求助、投诉、举报、建议、表扬")
    category_code: Line = Field(
        min_length=1, max_length=32, description="诉求类别代码（见 /categories）"
    )
    content: Text = Field(min_length=5, max_length=5000, description="诉求内容（5 到 5000 字）")
    title: Text | None = Field(
        default=None, max_length=200, description="标题（缺省取内容前 30 字）"
    )
    location: LocationIn | None = Field(default=None, description="发生地点")
    occurred_at: OccurredAt | None = Field(
        default=None, strict=False,
        description="发生时间（ISO-8601；不早于 2000 年，不晚于现在；无时区按北京时间）",
    )
    photo_ids: list[PhotoId] = Field(
        default_factory=list, max_length=9, description="已上传照片的 id（最多 9 张）"
    )
    anonymous: bool = Field(default=False, description="匿名：工作人员看不到联系方式")
    confidential: bool = Field(default=False, description="保密：联系方式仅对需回访的角色可见")
    public: bool = Field(default=False, description="同意公开（经审核、脱敏后）")
    contact_phone: Line | None = Field(
        default=None, max_length=20, description="联系电话（缺省为登录手机号）"
    )
    channel: Line | None = Field(
        default=None, max_length=16, description="由服务器按客户端类型确定，提交的值被忽略"
    )
    precheck_id: Line | None = Field(
        default=None, max_length=64,
        description="提交前查询（POST /cases/precheck）返回的 precheck_id：记为“看过答案仍提交”",
    )

    def fingerprint_body(self) -> dict[str, Any]:
        """The body as the Idempotency-Key compares it: the precheck link is not the case."""
        body = self.model_dump(mode="json")
        body.pop("precheck_id", None)
        return body

    def to_submission(self, channel: str, contact_name: str | None = None) -> Submission:
        loc = self.location
        return Submission(
            kind=self.kind,
            category_code=self.category_code,
            content=self.content,
            channel=channel,
            title=self.title or self.content[:30],
            lat=loc.lat if loc else None,
            lng=loc.lng if loc else None,
            address=loc.address if loc else None,
            region_code=loc.region_code if loc else None,
            occurred_at=self.occurred_at,
            photo_ids=list(self.photo_ids),
            anonymous=self.anonymous,
            confidential=self.confidential,
            public=self.public,
            contact_phone=self.contact_phone,
            contact_name=contact_name,
            precheck_id=self.precheck_id,
        )


class CitizenContactIn(Strict):
    model_config = example({"name": "王小明", "phone": "13800138000"}, "来电（来信、来访）人")

    name: Line | None = Field(default=None, max_length=64, description="来电人姓名")
    phone: Line | None = Field(default=None, max_length=20, description="来电人电话")


class IntakeCaseIn(CaseIn):
    model_config = example(
        CASE_EXAMPLE | {"channel": "phone", "citizen": {"name": "王小明", "phone": "13800138000"}},
        "话务员登记来电、来信、来访",
    )

    channel: Literal["phone", "letter", "visit"] = Field(
        description="来源：电话、来信、来访"
    )
    citizen: CitizenContactIn | None = Field(default=None, description="来电（来信、来访）人")
