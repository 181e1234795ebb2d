"""Replies that show a case: the full case view and the public tracker's view.

They describe exactly what ``casework.views.case_view`` and ``casework.views.public_view``
return (FastAPI validates every reply against them; tests/app_api/test_case_schemas.py checks
each audience). Field names are fixed by the contract (API.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from casework.transitions import State
from models.case import CaseKind, Channel

Light = Literal["green", "yellow", "red"]
Procedure = Literal["immediate", "simple", "normal", "petition"]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocationOut(Out):
    lat: float | None = Field(description="纬度（WGS-84）")
    lng: float | None = Field(description="经度（WGS-84）")
    address: str | None = Field(description="地址")
    region_code: str | None = Field(description="行政区划代码（6 或 9 位）")


class GpsOut(Out):
    lat: float = Field(description="照片拍摄地纬度")
    lng: float = Field(description="照片拍摄地经度")


class CasePhotoOut(Out):
    id: int = Field(description="照片编号")
    url: str = Field(description="展示图地址（带签名，短期有效）")
    thumb_url: str = Field(description="缩略图地址（带签名，短期有效）")
    width: int | None = Field(description="展示图宽度（像素）")
    height: int | None = Field(description="展示图高度（像素）")
    taken_at: datetime | None = Field(description="拍摄时间（取自照片 EXIF，如有）")
    gps: GpsOut | None = Field(description="拍摄位置；仅上传者本人和工作人员可见，其他人为 null")


class UnitRefOut(Out):
    id: int = Field(description="承办单位编号")
    name: str = Field(description="承办单位名称")


class DuesOut(Out):
    dispatch: datetime | None = Field(description="派单时限")
    sign: datetime | None = Field(description="签收时限（转办后 2 个工作小时）")
    transfer: datetime | None = Field(description="转办（退回/改派）时限")
    notice: datetime | None = Field(description="告知时限")
    complete: datetime | None = Field(description="办结时限")


class ContactOut(Out):
    name: str | None = Field(description="联系人姓名；按角色和诉求性质可能打码（王*）")
    phone: str | None = Field(
        description="联系电话；按角色和诉求性质可能打码（138****8000），匿名诉求对工作人员全部打码"
    )


class TimelineEventOut(Out):
    at: datetime = Field(description="发生时间")
    action: str = Field(
        description="步骤代码（submit 或流转表中的动作，例如 dispatch、reply、rate）"
    )
    label: str = Field(description="步骤的中文名称（例如 受理、转办、答复、评价）")
    actor_role: str = Field(description="执行者角色（citizen、operator、handler、system 等）")
    note: str = Field(description="记录内容（答复、告知、理由等）")


class RatingOut(Out):
    round: int = Field(description="第几轮答复的评价（重新办理后为下一轮）")
    score: int = Field(ge=1, le=5, description="评分 1–5（1–2 不满意，3–5 满意）")
    label: str = Field(description="评分的中文说法（非常不满意 … 非常满意）")
    at: datetime = Field(description="评价时间")


CASE_EXAMPLE: dict[str, Any] = {
    "id": 123,
    "tracking_no": "20261127-000123",
    "query_code": None,
    "kind": "complaint",
    "category_code": "ENV-NOISE",
    "channel": "app",
    "status": "dispatched",
    "status_label": "已转办",
    "procedure": "normal",
    "title": "小区旁边工地夜间施工噪音很大",
    "content": "小区旁边工地夜间施工噪音很大，影响休息。",
    "location": {
        "lat": 30.2741,
        "lng": 120.1551,
        "address": "杭州市西湖区文三路",
        "region_code": "330106",
    },
    "occurred_at": None,
    "photos": [],
    "unit": {"id": 7, "name": "杭州市生态环境局"},
    "created_at": "2026-11-27T10:02:11+08:00",
    "due": {
        "dispatch": "2026-11-27T23:59:59+08:00",
        "sign": "2026-11-27T16:10:00+08:00",
        "transfer": "2026-12-04T23:59:59+08:00",
        "notice": "2026-12-04T23:59:59+08:00",
        "complete": "2026-12-27T23:59:59+08:00",
    },
    "next_due_at": "2026-11-27T16:10:00+08:00",
    "light": "green",
    "provisional_deadline": False,
    "public": False,
    "anonymous": False,
    "confidential": False,
    "contact": {"name": None, "phone": "13800138000"},
    "timeline": [
        {
            "at": "2026-11-27T10:02:11+08:00",
            "action": "submit",
            "label": "受理",
            "actor_role": "citizen",
            "note": "",
        },
        {
            "at": "2026-11-27T14:10:00+08:00",
            "action": "dispatch",
            "label": "转办",
            "actor_role": "dispatcher",
            "note": "转办至杭州市生态环境局",
        },
    ],
    "ratings": [],
    "flags": None,
}


class CaseOut(Out):
    """A case in full, as its submitter or a staff member whose scope covers it sees it."""

    model_config = ConfigDict(json_schema_extra={"examples": [CASE_EXAMPLE]})

    id: int = Field(description="诉求内部编号")
    tracking_no: str = Field(description="诉求编号（例如 20261127-000123）")
    query_code: str | None = Field(
        description="6 位查询码：仅在提交的答复中出现这一次（自助终端打印在回执上），其余为 null"
    )
    kind: CaseKind = Field(description="诉求类型：咨询、求助、投诉、举报、建议、表扬")
    category_code: str = Field(description="诉求分类代码")
    channel: Channel = Field(
        description="受理渠道：app、wechat_mini、wechat_oa、kiosk、web、phone、letter、visit"
    )
    status: State = Field(description="办理状态（见流转表）")
    status_label: str = Field(description="办理状态的中文说法")
    procedure: Procedure | None = Field(
        description="办理程序：immediate 直接答复、simple 简易、"
        "normal 普通、petition 信访；转办前为 null"
    )
    title: str = Field(description="标题")
    content: str = Field(description="诉求内容")
    location: LocationOut | None = Field(description="发生地点；未填写为 null")
    occurred_at: datetime | None = Field(description="发生时间（如填写）")
    photos: list[CasePhotoOut] = Field(description="照片证据")
    unit: UnitRefOut | None = Field(description="承办单位；待派单（含退回、改派）时为 null")
    created_at: datetime = Field(description="受理时间")
    due: DuesOut = Field(description="各环节时限")
    next_due_at: datetime | None = Field(description="最近一个未完成环节的时限")
    light: Light | None = Field(
        description="亮灯：green、yellow（临近时限）、red（已超时）；无时限为 null"
    )
    provisional_deadline: bool = Field(
        description="时限按周一至周五推算（日历尚无该年数据），可能调整"
    )
    public: bool = Field(description="诉求人是否同意公开")
    anonymous: bool = Field(description="是否匿名诉求（联系电话对工作人员全部打码）")
    confidential: bool = Field(description="是否要求保密（联系方式仅回访角色可见）")
    contact: ContactOut | None = Field(description="联系人；没有联系方式为 null")
    timeline: list[TimelineEventOut] = Field(
        description="办理经过：工作人员看到全部记录；诉求人看到公开记录和本人的操作（例如评价）"
    )
    ratings: list[RatingOut] = Field(description="诉求人的评价，每轮答复一次")
    flags: list[str] | None = Field(
        description="内部标记（例如 reward_claim、content_review）；"
        "仅工作人员可见，其他调用者为 null"
    )


class PublicEventOut(Out):
    at: datetime = Field(description="发生时间")
    action: str = Field(description="步骤代码")
    label: str = Field(description="步骤的中文名称")
    note: str = Field(description="面向群众的记录（受理、答复、告知的内容）；其他步骤为空")


class TrackOut(Out):
    """A case's progress for whoever holds its tracking number and query code."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "tracking_no": "20261127-000123",
                    "kind": "complaint",
                    "category_code": "ENV-NOISE",
                    "status": "replied",
                    "status_label": "已答复",
                    "created_at": "2026-11-27T10:02:11+08:00",
                    "timeline": [
                        {
                            "at": "2026-11-27T10:02:11+08:00",
                            "action": "submit",
                            "label": "受理",
                            "note": "",
                        },
                        {
                            "at": "2026-12-01T09:30:00+08:00",
                            "action": "reply",
                            "label": "答复",
                            "note": "经查，工地已停止夜间施工。",
                        },
                    ],
                    "reply": "经查，工地已停止夜间施工。",
                }
            ]
        }
    )

    tracking_no: str = Field(description="诉求编号")
    kind: CaseKind = Field(description="诉求类型")
    category_code: str = Field(description="诉求分类代码")
    status: State = Field(description="办理状态")
    status_label: str = Field(description="办理状态的中文说法")
    created_at: datetime = Field(description="受理时间")
    timeline: list[PublicEventOut] = Field(
        description="公开的办理经过（不含姓名、电话、地点和亮灯）"
    )
    reply: str | None = Field(description="最近一次答复的内容；尚未答复为 null")
