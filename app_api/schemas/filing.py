"""Replies of filing a case (``POST /cases``, ``POST /intake/cases``) and of the citizen's list.

The filing reply is the case as its submitter sees it, with the query code shown this once.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app_api.schemas.base import TIME_EXAMPLE, IsoTime, Out, UnitRef
from app_api.schemas.photos import CasePhotoOut

Light = Literal["green", "yellow", "red"]
LIGHT_TEXT = "时限灯：red 已超时，yellow 临近时限，green 正常；无待办时限时为 null"
KIND_TEXT = "诉求类型：consultation、help、complaint、report、suggestion、praise"
CHANNEL_TEXT = "来源渠道：app、wechat_mini、wechat_oa、kiosk、web、phone、letter、visit"
TRACKING_NO = "20261127-000123"


class CaseLocationOut(Out):
    lat: float | None = Field(description="纬度", examples=[30.2741])
    lng: float | None = Field(description="经度", examples=[120.1551])
    address: str | None = Field(description="地址", examples=["杭州市西湖区文三路"])
    region_code: str | None = Field(description="行政区划代码", examples=["330106"])


class DuesOut(Out):
    """Each deadline of the case (null when it does not apply)."""

    dispatch: IsoTime | None = Field(description="转办时限", examples=[TIME_EXAMPLE])
    sign: IsoTime | None = Field(description="签收时限", examples=[None])
    transfer: IsoTime | None = Field(description="申请改派时限", examples=[None])
    notice: IsoTime | None = Field(description="告知时限", examples=[None])
    complete: IsoTime | None = Field(description="办结时限", examples=[None])


class ContactOut(Out):
    """The citizen's contact, masked for roles that do not call back."""

    name: str | None = Field(description="联系人姓名（可能脱敏）", examples=["王*明"])
    phone: str | None = Field(description="联系电话（可能脱敏）", examples=["138****8000"])


class TimelineEntryOut(Out):
    at: IsoTime = Field(description="发生时间", examples=[TIME_EXAMPLE])
    action: str = Field(description="动作，例如 submit、dispatch、reply", examples=["submit"])
    actor_role: str = Field(
        description="执行者角色，例如 citizen、dispatcher", examples=["citizen"]
    )
    note: str = Field(description="说明", examples=["诉求已受理"])


class FiledCaseOut(Out):
    """The case just filed, as its submitter sees it; ``query_code`` is shown this once."""

    id: int = Field(description="诉求 ID", examples=[123])
    tracking_no: str = Field(description="受理编号（人可读，唯一）", examples=[TRACKING_NO])
    query_code: str | None = Field(
        description="6 位查询码：仅在提交时返回一次，凭受理编号和查询码可在 /track 查询进度",
        examples=["483920"],
    )
    kind: str = Field(description=KIND_TEXT, examples=["complaint"])
    category_code: str = Field(description="类别代码", examples=["ENV-NOISE"])
    channel: str = Field(description=CHANNEL_TEXT, examples=["app"])
    status: str = Field(description="状态", examples=["submitted"])
    status_label: str = Field(description="状态的中文名称", examples=["已受理"])
    procedure: str | None = Field(
        description="办理程序：simple、normal、petition（转办前为 null）", examples=[None]
    )
    title: str = Field(description="标题", examples=["小区旁边工地夜间施工噪音很大"])
    content: str = Field(
        description="诉求内容", examples=["小区旁边工地夜间施工噪音很大，影响休息。"]
    )
    location: CaseLocationOut | None = Field(description="位置（未提供时为 null）")
    occurred_at: IsoTime | None = Field(description="事发时间", examples=[None])
    photos: list[CasePhotoOut] = Field(description="照片")
    unit: UnitRef | None = Field(description="承办单位（转办前为 null）", examples=[None])
    created_at: IsoTime = Field(description="提交时间", examples=[TIME_EXAMPLE])
    due: DuesOut = Field(description="各项时限")
    next_due_at: IsoTime | None = Field(description="最早的未满足时限", examples=[TIME_EXAMPLE])
    light: Light | None = Field(description=LIGHT_TEXT, examples=["green"])
    provisional_deadline: bool = Field(
        description="时限按暂定日历（周一至周五）计算时为 true", examples=[False]
    )
    public: bool = Field(description="市民是否同意公开", examples=[False])
    anonymous: bool = Field(description="是否匿名", examples=[False])
    confidential: bool = Field(description="是否要求保密", examples=[False])
    contact: ContactOut | None = Field(description="联系方式（无则为 null）")
    timeline: list[TimelineEntryOut] = Field(description="办理过程（对市民只含公开事件）")


class MyCaseOut(Out):
    """One of the citizen's own cases, in their list."""

    id: int = Field(description="诉求 ID", examples=[123])
    tracking_no: str = Field(description="受理编号", examples=[TRACKING_NO])
    kind: str = Field(description=KIND_TEXT, examples=["complaint"])
    category_code: str = Field(description="类别代码", examples=["ENV-NOISE"])
    channel: str = Field(description=CHANNEL_TEXT, examples=["app"])
    status: str = Field(description="状态", examples=["dispatched"])
    status_label: str = Field(description="状态的中文名称", examples=["已转办"])
    title: str = Field(description="标题", examples=["小区旁边工地夜间施工噪音很大"])
    content: str = Field(
        description="诉求内容（前 100 字）", examples=["小区旁边工地夜间施工噪音很大"]
    )
    created_at: IsoTime = Field(description="提交时间", examples=[TIME_EXAMPLE])
    next_due_at: IsoTime | None = Field(description="最早的未满足时限", examples=[TIME_EXAMPLE])
    light: Light | None = Field(description=LIGHT_TEXT, examples=["green"])


class MyCasesOut(Out):
    """A page of the caller's cases, newest first."""

    items: list[MyCaseOut] = Field(description="本页诉求")
    next_cursor: str | None = Field(
        description="下一页的 cursor 参数；没有更多时为 null", examples=[None]
    )
