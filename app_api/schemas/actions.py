"""Request bodies of the case actions: one model per action of the transition table.

The staff routes are generated from ``casework.transitions.TRANSITIONS`` and take their body
model from :data:`ACTION_BODIES` (a staff action without a model here fails at start-up). Field
names are fixed by the contract (API.md). The steps in ``casework/steps.py`` keep their own
checks for callers that are not HTTP (intake's auto-dispatch, the system).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from app_api.schemas.inputs import Id, Line, Text
from app_api.schemas.requests import example
from casework.deadlines import MAX_EXTENSION_DAYS
from casework.steps import SEVERITIES

Procedure = Literal["simple", "normal", "petition"]
Severity = Literal["minor", "moderate", "serious", "critical"]
assert get_args(Severity) == SEVERITIES  # the steps' list, spelled out for the type checker


def _example_config(value: dict[str, Any]) -> ConfigDict:
    return example(value, forbid_unknown=True)


def _text(description: str, max_length: int) -> Any:
    return Field(min_length=1, max_length=max_length, description=description)


class AnswerIn(BaseModel):
    """直接答复（12345 中心当场答复，不再转办）。"""

    model_config = _example_config(
        {"content": "夜间施工须办理夜间施工许可，可向城管部门举报。", "kb_item_id": 12}
    )
    content: Text = _text("答复内容", 5000)
    kb_item_id: Id | None = Field(
        default=None,
        description="引用的知识条目（须已发布）：办理经过记下它，给市民的消息附上其标题和链接",
    )


class DispatchIn(BaseModel):
    """转办到承办单位。"""

    model_config = _example_config({"unit_id": 7, "procedure": "normal", "co_unit_ids": [9]})
    unit_id: Id = Field(description="承办单位编号（须在调用者的范围内）")
    procedure: Procedure = Field(
        description="办理程序：simple 简易（7 个工作日）、"
        "normal 普通（30 日）、petition 信访（60 日）"
    )
    co_unit_ids: list[Id] = Field(
        default_factory=list, max_length=20, description="协办单位编号（可选）"
    )


class SignIn(BaseModel):
    """承办单位签收（无需请求体，或发送 {}）。"""

    model_config = _example_config({})


class ReasonIn(BaseModel):
    model_config = _example_config({"reason": "不属于本单位职责"})
    reason: Text = _text("理由", 1000)


class ReturnIn(ReasonIn):
    """退回 12345 中心重新派单。"""


class TransferIn(ReasonIn):
    """申请改派到其他单位。"""


class RejectIn(ReasonIn):
    """不予受理。"""

    model_config = _example_config({"reason": "不属于 12345 受理范围，请通过司法途径解决"})


class NoticeIn(BaseModel):
    """告知诉求人受理情况（告知）。"""

    model_config = _example_config({"content": "已受理，将于 30 日内办结。"})
    content: Text = _text("告知内容", 5000)


class ReplyIn(BaseModel):
    """答复办理结果；诉求人收到通知并被邀请评价。举报类可附查实情况。"""

    model_config = _example_config(
        {"content": "经查，工地已停止夜间施工。", "public": True, "verified": True}
    )
    content: Text = _text("答复内容", 5000)
    public: bool = Field(default=False, description="答复内容是否可公开")
    verified: bool | None = Field(
        default=None,
        description="举报是否查实（奖励评定使用）。诉求涉及有奖举报时必填，"
        "缺省为 422 verified_required",
    )
    severity: Severity | None = Field(
        default=None, description="查实问题的严重程度：minor、moderate、serious、critical"
    )
    fine: float | None = Field(default=None, ge=0, le=10**9, description="罚款金额（元）")


class ExtensionIn(BaseModel):
    """申请延期（每件诉求仅一次，由督办人员审核）。"""

    model_config = _example_config({"days": 20, "reason": "需等待检测报告"})
    days: int = Field(
        ge=1, le=max(MAX_EXTENSION_DAYS.values()), description="延期天数（自然日，最多 30 天）"
    )
    reason: Text = _text("延期理由", 1000)


class ExtensionDecisionIn(BaseModel):
    """审核延期申请。"""

    model_config = _example_config({"approve": True})
    approve: bool = Field(description="是否同意延期")


class SuperviseIn(BaseModel):
    """督办：记录督办意见并通知承办单位。"""

    model_config = _example_config({"note": "请加快办理，本周内答复群众。"})
    note: Text = _text("督办意见", 1000)


class CallbackIn(BaseModel):
    """回访诉求人。"""

    model_config = _example_config({"reached": True, "satisfied": True, "note": "已回访，群众满意"})
    reached: bool = Field(description="是否联系上诉求人")
    satisfied: bool | None = Field(default=None, description="诉求人是否满意（未联系上可省略）")
    note: Text = _text("回访记录", 1000)


class VerifyIn(BaseModel):
    """核实不满意评价：维持（办结）或重新办理。"""

    model_config = _example_config({"outcome": "reopen", "note": "经核实确未处理到位"})
    outcome: Literal["upheld", "reopen"] = Field(
        description="upheld 维持原答复并办结；reopen 重新办理（重新计算办结时限）"
    )
    note: Text = _text("核实意见", 1000)


class MergeIn(BaseModel):
    """与另一件诉求合并办理（本件不再单独办理）。"""

    model_config = _example_config({"into": "20261127-000120"})
    into: Line = Field(min_length=1, max_length=32, description="合并到的诉求编号")


class RatingIn(BaseModel):
    """诉求人评价答复（每轮答复一次）。"""

    model_config = _example_config({"score": 4, "comment": "处理及时"})
    score: int = Field(ge=1, le=5, description="评分：1 非常不满意 … 5 非常满意（1–2 将被核实）")
    comment: Text = Field(default="", max_length=1000, description="评价内容（可选）")


# action (casework.transitions) -> its request body
ACTION_BODIES: dict[str, type[BaseModel]] = {
    "answer": AnswerIn,
    "dispatch": DispatchIn,
    "sign": SignIn,
    "return": ReturnIn,
    "transfer": TransferIn,
    "notice": NoticeIn,
    "reply": ReplyIn,
    "extension": ExtensionIn,
    "extension_decision": ExtensionDecisionIn,
    "supervise": SuperviseIn,
    "callback": CallbackIn,
    "verify": VerifyIn,
    "merge": MergeIn,
    "reject": RejectIn,
    "rate": RatingIn,
}
