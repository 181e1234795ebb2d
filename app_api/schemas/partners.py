"""Bodies and replies of the administration of partner systems (``/admin/partners``)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from app_api.schemas.admin_org import NEXT_CURSOR, PAGE_CURSOR_EXAMPLE
from app_api.schemas.admin_reference import NoNulls
from app_api.schemas.base import TIME_EXAMPLE, IsoTime, Out, UnitRef
from app_api.schemas.inputs import Id, Line
from app_api.schemas.requests import example

Scope = Literal["cases:create", "cases:read", "events"]
SCOPES_TEXT = ("权限：cases:create（提交诉求，含 Open311 POST）、cases:read（查询其提交的诉求）、"
               "events（接收诉求事件回调）")
URL_TEXT = ("事件回调地址（http 或 https；内网、本机地址仅在 "
            "HOTLINE_WEBHOOK_ALLOW_PRIVATE=true 时允许）")
PARTNER_EXAMPLE = {"name": "省平安建设网格系统", "scopes": ["cases:create", "cases:read"],
                   "webhook_url": "https://grid.example.gov.cn/hooks/12345", "active": True}


class PartnerIn(NoNulls):
    model_config = example(PARTNER_EXAMPLE, "登记合作系统：回复中的 api_key 和 webhook_secret "
                           "只显示这一次", forbid_unknown=True)
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"unit_id", "webhook_url"})

    name: Line = Field(min_length=1, max_length=64, description="名称")
    scopes: list[Scope] = Field(min_length=1, max_length=3, description=SCOPES_TEXT)
    unit_id: Id | None = Field(default=None, description="代表的单位（单位自有 OA 系统）；"
                               "缺省为全省范围（仅省级平台管理员可登记）")
    webhook_url: Line | None = Field(default=None, max_length=512, description=URL_TEXT)
    active: bool = Field(default=True, description="是否启用；停用后其密钥立即失效")


class PartnerPatchIn(NoNulls):
    model_config = example({"scopes": ["cases:create"], "active": False},
                           "修改合作系统：只需给出要改的字段；unit_id、webhook_url 为 null 时清除",
                           forbid_unknown=True)
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"unit_id", "webhook_url"})

    name: Line | None = Field(default=None, min_length=1, max_length=64, description="名称")
    scopes: list[Scope] | None = Field(default=None, min_length=1, max_length=3,
                                       description=SCOPES_TEXT)
    unit_id: Id | None = Field(default=None, description="代表的单位")
    webhook_url: Line | None = Field(default=None, max_length=512, description=URL_TEXT)
    active: bool | None = Field(default=None, description="false 停用（密钥立即失效）")


class PartnerOut(Out):
    id: int = Field(description="合作系统 ID", examples=[4])
    name: str = Field(description="名称", examples=["省平安建设网格系统"])
    scopes: list[str] = Field(description=SCOPES_TEXT, examples=[["cases:create"]])
    unit_id: int | None = Field(description="代表的单位 ID（全省范围为 null）", examples=[None])
    unit: UnitRef | None = Field(description="代表的单位")
    webhook_url: str | None = Field(description="事件回调地址",
                                    examples=["https://grid.example.gov.cn/hooks/12345"])
    active: bool = Field(description="是否启用", examples=[True])
    created_at: IsoTime = Field(description="登记时间", examples=[TIME_EXAMPLE])


class PartnerCreatedOut(PartnerOut):
    api_key: str = Field(
        description="API 密钥（请求头 X-Api-Key 或 Open311 的 api_key 参数），仅此一次显示，"
                    "服务器只保存其带密钥的摘要",
        examples=["hlp_Jx3v0Yw1m2nQe8c7XfK4uHc1r5sT6vP0aL2dJ3gE9bq"],
    )
    webhook_secret: str = Field(
        description="回调签名密钥（HMAC-SHA256），仅此一次显示，服务器加密保存以便签名",
        examples=["whsec_Zq0cT8mY2pL5vN1xR7bK3hW9eJ4uA6sD0fG2iO8kQ1c"],
    )


class PartnerPageOut(Out):
    items: list[PartnerOut] = Field(description="本页合作系统，按 ID 排序")
    next_cursor: str | None = Field(description=NEXT_CURSOR, examples=[PAGE_CURSOR_EXAMPLE])
