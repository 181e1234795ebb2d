"""Replies that show a case: the case view, the public tracker's view and the citizen's list.

``CaseOut`` is exactly what ``casework.views.case_view`` returns, to every audience: the reply
of ``GET /cases/{no}``, of filing (``POST /cases``, ``POST /intake/cases``, where
``query_code`` is shown this once), of each staff action and of the rating. ``TrackOut`` is
``casework.views.public_view``. Both are ``Exact`` (see ``schemas.base``): a key the service
returns that the model does not list is refused, not passed on. Field names are fixed by the
contract (docs/API.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app_api.schemas.base import TIME_EXAMPLE, Exact, IsoTime, Out, UnitRef
from app_api.schemas.photos import CasePhotoOut
from casework.transitions import State
from models.case import CaseKind, Channel

Light = Literal["green", "yellow", "red"]
Procedure = Literal["immediate", "simple", "normal", "petition"]
LIGHT_TEXT = "时限灯：red 已超时，yellow 临近时限，green 正常；无待办时限时为 null"
KIND_TEXT = "诉求类型：consultation、help、complaint、report、suggestion、praise"
CHANNEL_TEXT = "来源渠道：app、wechat_mini、wechat_oa、kiosk、web、phone、letter、visit"
TRACKING_NO = "20261127-000123"
TITLE = "小区旁边工地夜间施工噪音很大"
REPLY = "经查，工地已停止夜间施工。"
DUE_EXAMPLE = "2026-12-04T23:59:59+08:00"


class LocationOut(Exact):
    lat: float | None = Field(description="纬度（WGS-84）", examples=[30.2741])
    lng: float | None = Field(description="经度（WGS-84）", examples=[120.1551])
    address: str | None = Field(description="地址", examples=["杭州市西湖区文三路"])
    region_code: str | None = Field(description="行政区划代码（6 或 9 位）", examples=["330106"])


class DuesOut(Exact):
    """Each deadline of the case (null when it does not apply)."""

    dispatch: IsoTime | None = Field(description="派单时限", examples=[None])
    sign: IsoTime | None = Field(description="签收时限（转办后 2 个工作小时）", examples=[None])
    transfer: IsoTime | None = Field(description="转办（退回/改派）时限", examples=[DUE_EXAMPLE])
    notice: IsoTime | None = Field(description="告知时限", examples=[DUE_EXAMPLE])
    complete: IsoTime | None = Field(description="办结时限", examples=["2026-12-27T23:59:59+08:00"])


class ContactOut(Exact):
    """The citizen's contact, masked for roles that do not call back."""

    name: str | None = Field(
        description="联系人姓名；按角色和诉求性质可能打码（王*明）", examples=["王*明", None]
    )
    phone: str | None = Field(
        description="联系电话；按角色和诉求性质可能打码（138****8000），匿名诉求对工作人员全部打码",
        examples=["138****8000", "13800138000"],
    )


class CitedKbItemOut(Exact):
    id: int = Field(description="知识条目 ID", examples=[12])
    title: str = Field(description="答复时的条目标题", examples=["居住证申领"])
    url: str = Field(description="条目页面链接", examples=["https://12345.zj.gov.cn/kb/items/12"])


class TimelineEventOut(Exact):
    at: IsoTime = Field(description="发生时间", examples=[TIME_EXAMPLE])
    action: str = Field(
        description="步骤代码（submit 或流转表中的动作，例如 dispatch、reply、rate）",
        examples=["dispatch"],
    )
    label: str = Field(
        description="步骤的中文名称（例如 受理、转办、答复、评价）", examples=["转办"]
    )
    actor_role: str = Field(
        description="执行者角色（citizen、operator、dispatcher、handler、system 等）",
        examples=["dispatcher"],
    )
    note: str = Field(
        description="记录内容（答复、告知、理由等）", examples=["转办至西湖区城市管理局"]
    )
    kb_item: CitedKbItemOut | None = Field(
        default=None, description="答复引用的知识条目（直接答复可引用；其他步骤为 null）"
    )


class RatingOut(Exact):
    round: int = Field(description="第几轮答复的评价（重新办理后为下一轮）", examples=[1])
    score: int = Field(ge=1, le=5, description="评分 1–5（1–2 不满意，3–5 满意）", examples=[4])
    label: str = Field(description="评分的中文说法（非常不满意 … 非常满意）", examples=["满意"])
    at: IsoTime = Field(description="评价时间", examples=[TIME_EXAMPLE])


class CaseOut(Exact):
    """A case in full, as its submitter or a staff member whose scope covers it sees it; also
    the reply of filing, the only one that shows ``query_code``."""

    id: int = Field(description="诉求内部编号", examples=[123])
    tracking_no: str = Field(
        description="诉求编号（人可读，唯一，例如 20261127-000123）", examples=[TRACKING_NO]
    )
    query_code: str | None = Field(
        description="6 位查询码：仅在提交的答复中出现这一次（自助终端打印在回执上），"
        "凭诉求编号和查询码可在 /track 查询进度；其余为 null",
        examples=[None, "483920"],
    )
    kind: CaseKind = Field(description=KIND_TEXT, examples=["complaint"])
    category_code: str = Field(description="诉求分类代码", examples=["ENV-NOISE"])
    channel: Channel = Field(description=CHANNEL_TEXT, examples=["app"])
    status: State = Field(description="办理状态（见流转表）", examples=["rated"])
    status_label: str = Field(description="办理状态的中文说法", examples=["已评价"])
    procedure: Procedure | None = Field(
        description="办理程序：immediate 直接答复、simple 简易、"
        "normal 普通、petition 信访；转办前为 null",
        examples=["normal", None],
    )
    title: str = Field(description="标题", examples=[TITLE])
    content: str = Field(description="诉求内容", examples=[TITLE + "，影响休息。"])
    location: LocationOut | None = Field(description="发生地点；未填写为 null")
    occurred_at: IsoTime | None = Field(description="发生时间（如填写）", examples=[None])
    photos: list[CasePhotoOut] = Field(description="照片证据")
    unit: UnitRef | None = Field(description="承办单位；待派单（含退回、改派）时为 null")
    created_at: IsoTime = Field(description="受理时间", examples=[TIME_EXAMPLE])
    due: DuesOut = Field(description="各环节时限")
    next_due_at: IsoTime | None = Field(
        description="最近一个未完成环节的时限", examples=[DUE_EXAMPLE]
    )
    light: Light | None = Field(description=LIGHT_TEXT, examples=["green"])
    provisional_deadline: bool = Field(
        description="时限按周一至周五推算（日历尚无该年数据），可能调整", examples=[False]
    )
    public: bool = Field(description="诉求人是否同意公开", examples=[False])
    anonymous: bool = Field(
        description="是否匿名诉求（联系电话对工作人员全部打码）", examples=[False]
    )
    confidential: bool = Field(
        description="是否要求保密（联系方式仅回访角色可见）", examples=[False]
    )
    contact: ContactOut | None = Field(description="联系人；没有联系方式为 null")
    timeline: list[TimelineEventOut] = Field(
        description="办理经过：工作人员看到全部记录；诉求人看到公开记录和本人的操作（例如评价）"
    )
    ratings: list[RatingOut] = Field(description="诉求人的评价，每轮答复一次")
    flags: list[str] | None = Field(
        description="内部标记（例如 reward_claim、content_review）；"
        "仅工作人员可见，其他调用者为 null",
        examples=[[], None],
    )


class PublicEventOut(Exact):
    at: IsoTime = Field(description="发生时间", examples=[TIME_EXAMPLE])
    action: str = Field(description="步骤代码", examples=["reply"])
    label: str = Field(description="步骤的中文名称", examples=["答复"])
    note: str = Field(
        description="面向群众的记录（受理、答复、告知的内容）；其他步骤为空", examples=[REPLY]
    )


class TrackOut(Exact):
    """A case's progress for whoever holds its tracking number and query code."""

    tracking_no: str = Field(description="诉求编号", examples=[TRACKING_NO])
    kind: CaseKind = Field(description=KIND_TEXT, examples=["complaint"])
    category_code: str = Field(description="诉求分类代码", examples=["ENV-NOISE"])
    status: State = Field(description="办理状态", examples=["replied"])
    status_label: str = Field(description="办理状态的中文说法", examples=["已答复"])
    created_at: IsoTime = Field(description="受理时间", examples=[TIME_EXAMPLE])
    timeline: list[PublicEventOut] = Field(
        description="公开的办理经过（不含姓名、电话、地点和亮灯）"
    )
    reply: str | None = Field(
        description="最近一次答复的内容；尚未答复为 null", examples=[REPLY, None]
    )


class MyCaseOut(Out):
    """One of the citizen's own cases, in their list."""

    id: int = Field(description="诉求 ID", examples=[123])
    tracking_no: str = Field(description="受理编号", examples=[TRACKING_NO])
    kind: str = Field(description=KIND_TEXT, examples=["complaint"])
    category_code: str = Field(description="类别代码", examples=["ENV-NOISE"])
    channel: str = Field(description=CHANNEL_TEXT, examples=["app"])
    status: str = Field(description="状态", examples=["dispatched"])
    status_label: str = Field(description="状态的中文名称", examples=["已转办"])
    title: str = Field(description="标题", examples=[TITLE])
    content: str = Field(description="诉求内容（前 100 字）", examples=[TITLE])
    created_at: IsoTime = Field(description="提交时间", examples=[TIME_EXAMPLE])
    next_due_at: IsoTime | None = Field(description="最早的未满足时限", examples=[TIME_EXAMPLE])
    light: Light | None = Field(description=LIGHT_TEXT, examples=["green"])


class MyCasesOut(Out):
    """A page of the caller's cases, newest first."""

    items: list[MyCaseOut] = Field(description="本页诉求")
    next_cursor: str | None = Field(
        description="下一页的 cursor 参数；没有更多时为 null", examples=[None]
    )
