"""Bodies and replies of the partner API (``/partner/cases``) and of the partner
administration's keys and deliveries (``/admin/partners/{id}/…``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app_api.schemas.admin_org import NEXT_CURSOR, PAGE_CURSOR_EXAMPLE
from app_api.schemas.base import TIME_EXAMPLE, IsoTime, Out
from app_api.schemas.cases import CaseOut
from app_api.schemas.inputs import Line, Text
from app_api.schemas.requests import CASE_EXAMPLE, CaseIn, CitizenContactIn, Strict, example

EXTERNAL_ID = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$",
                    description="对方系统中的编号（同一合作系统内唯一：重复提交返回第一次建立的诉求）")


class PartnerCaseIn(CaseIn):
    model_config = example(
        CASE_EXAMPLE | {"external_id": "110-20261201-0042", "channel": "110",
                        "citizen": {"name": "王小明", "phone": "13800138000"}},
        "其他系统转来的诉求（如 110 非警务警情转办）",
    )

    external_id: Line = EXTERNAL_ID
    channel: Literal["110", "partner"] = Field(
        default="partner", description="来源：110（110 转办）或 partner（其他合作系统）")
    citizen: CitizenContactIn | None = Field(default=None, description="诉求人")


class PartnerCaseOut(CaseOut):
    external_id: str | None = Field(description="对方系统中的编号（非该系统转来的诉求为 null）",
                                    examples=["110-20261201-0042"])


class PartnerEventIn(Strict):
    model_config = example({"action": "reply", "content": "经查，工地已停止夜间施工。",
                            "public": True}, "单位自有 OA 系统报告办理步骤", forbid_unknown=True)

    action: Literal["sign", "notice", "reply"] = Field(
        description="sign 签收、notice 告知、reply 答复")
    content: Text | None = Field(default=None, max_length=5000,
                                 description="告知或答复内容（notice、reply 必填）")
    public: bool | None = Field(default=None, description="答复内容是否可公开（reply）")
    verified: bool | None = Field(default=None, description="举报是否查实（reply，有奖举报必填）")
    severity: Literal["minor", "moderate", "serious", "critical"] | None = Field(
        default=None, description="查实问题的严重程度（reply）")
    fine: float | None = Field(default=None, ge=0, description="罚款金额，元（reply）")


class OverlapIn(Strict):
    model_config = example({"overlap_s": 86400}, "轮换：新值只显示这一次，旧值在重叠期内仍然有效",
                           forbid_unknown=True)

    overlap_s: int = Field(default=86400, ge=0, le=30 * 86400,
                           description="旧值继续有效的秒数（0：立即失效），最长 30 天")


class KeyRotatedOut(Out):
    id: int = Field(description="合作系统 ID", examples=[4])
    api_key: str = Field(description="新的 API 密钥，仅此一次显示",
                         examples=["hlp_Jx3v0Yw1m2nQe8c7XfK4uHc1r5sT6vP0aL2dJ3gE9bq"])
    old_key_valid_until: IsoTime | None = Field(description="旧密钥失效时间（null：已失效）",
                                                examples=[TIME_EXAMPLE])


class SecretRotatedOut(Out):
    id: int = Field(description="合作系统 ID", examples=[4])
    webhook_secret: str = Field(description="新的回调签名密钥，仅此一次显示",
                                examples=["whsec_Zq0cT8mY2pL5vN1xR7bK3hW9eJ4uA6sD0fG2iO8kQ1c"])
    old_secret_valid_until: IsoTime | None = Field(
        description="重叠期结束时间：此前回调同时带新旧两个签名（null：只用新密钥）",
        examples=[TIME_EXAMPLE])


DeliveryStatus = Literal["pending", "sending", "sent", "dead"]


class DeliveryOut(Out):
    id: int = Field(description="投递记录 ID", examples=[918])
    event_id: str | None = Field(description="事件 ID（重发时不变，接收方据此去重）",
                                 examples=["evt_123_4"])
    type: str | None = Field(description="事件类型", examples=["case.sign"])
    tracking_no: str | None = Field(description="诉求编号", examples=["ZJ2026112700001"])
    status: str = Field(description="pending 待发送、sending 发送中、sent 已送达（对方回复 2xx）、"
                        "dead 放弃（重试一天仍失败，或合作系统已停用）", examples=["sent"])
    attempts: int = Field(description="已尝试次数", examples=[1])
    last_status: str | None = Field(description="最近一次的 HTTP 状态码或错误类别",
                                    examples=["200"])
    last_error: str | None = Field(description="最近一次失败的原因", examples=[None])
    created_at: IsoTime = Field(description="事件发生时间", examples=[TIME_EXAMPLE])
    sent_at: IsoTime | None = Field(description="送达时间", examples=[TIME_EXAMPLE])
    next_attempt_at: IsoTime | None = Field(description="下次尝试时间（待发送时）",
                                            examples=[None])


class DeliveryPageOut(Out):
    items: list[DeliveryOut] = Field(description="本页投递记录，新的在前")
    next_cursor: str | None = Field(description=NEXT_CURSOR, examples=[PAGE_CURSOR_EXAMPLE])
