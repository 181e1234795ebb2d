"""Bodies and replies of consent, review and publishing (published results)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from app_api.schemas.base import TIME_EXAMPLE, IsoTime, Out
from app_api.schemas.inputs import Id, Line, PhotoId, Text


class ConsentIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"public": True}]})

    public: bool = Field(description="同意经审核、脱敏后公开（撤回即刻撤下已公开的内容）")


class PublishIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "summary": "市民反映文三路某小区附近工地夜间施工噪声扰民。",
        "result": "经查，工地已停止夜间施工，城管部门将持续巡查。",
        "photo_ids": [101],
    }]})

    summary: Text = Field(max_length=5000, description="审核后的脱敏摘要")
    result: Text = Field(max_length=5000, description="审核后的脱敏办理结果")
    photo_ids: list[PhotoId] = Field(default_factory=list, max_length=20,
                                 description="同意公开的照片（须属于该诉求），重新编码后公开")


class PublishedOut(Out):
    public_id: str = Field(description="公开编号（不是诉求编号）", examples=["3f9a1c0b7d2e"])
    summary: str = Field(description="公开摘要",
                         examples=["市民反映文三路某小区附近工地夜间施工噪声扰民。"])
    result: str = Field(description="公开的办理结果", examples=["经查，工地已停止夜间施工。"])
    photo_ids: list[int] = Field(description="公开的照片", examples=[[101]])
    place: str = Field(description="公开地点（街道一级）", examples=["杭州市西湖区文三路"])
    published_at: IsoTime = Field(description="发布时间", examples=[TIME_EXAMPLE])


class UnpublishedOut(Out):
    tracking_no: str = Field(description="诉求编号", examples=["20261127-000123"])
    published: bool = Field(description="是否仍公开（始终为 false）", examples=[False])


class DraftOut(Out):
    summary: str = Field(description="脱敏摘要草稿", examples=["我叫王某，电话〔电话〕……"])
    result: str = Field(description="脱敏办理结果草稿", examples=["经查……"])
    place: str = Field(description="街道一级地点", examples=["杭州市西湖区文三路"])
    lat: float | None = Field(description="约 100 米精度的纬度", examples=[30.275])
    lng: float | None = Field(description="约 100 米精度的经度", examples=[120.125])


class OriginalOut(Out):
    title: str = Field(description="原标题", examples=["夜间施工噪声"])
    content: str = Field(description="原诉求内容", examples=["我叫王小明，电话13800138000……"])
    reply: str = Field(description="原答复", examples=["经查……"])
    address: str = Field(description="原地址", examples=["杭州市西湖区文三路123号"])
    lat: float | None = Field(description="原纬度", examples=[30.27512])
    lng: float | None = Field(description="原经度", examples=[120.12531])


class ReviewOut(Out):
    tracking_no: str = Field(description="诉求编号", examples=["20261127-000123"])
    status: str = Field(description="诉求状态", examples=["replied"])
    consent: bool = Field(description="市民是否同意公开", examples=[True])
    publishable: bool = Field(description="现在能否发布", examples=[True])
    reason: str | None = Field(description="不能发布的原因", examples=[None])
    original: OriginalOut = Field(description="原文")
    draft: DraftOut = Field(description="脱敏草稿")
    photos: list[dict[str, Any]] = Field(description="诉求的照片（供选择公开）", examples=[[]])
    published: PublishedOut | None = Field(description="当前公开的内容", examples=[None])


class PublicUnitOut(Out):
    name: str = Field(description="办理单位", examples=["西湖区城市管理局"])


class PublicCaseOut(Out):
    public_id: str = Field(description="公开编号（不是诉求编号）", examples=["3f9a1c0b7d2e"])
    kind: str = Field(description="诉求类型", examples=["complaint"])
    category_code: str = Field(description="类别编码", examples=["ENV-NOISE"])
    category_name: str = Field(description="类别名称", examples=["噪声污染"])
    region_code: str | None = Field(description="行政区划代码", examples=["330106"])
    place: str = Field(description="地点（街道一级）", examples=["杭州市西湖区文三路"])
    lat: float | None = Field(description="纬度（约 100 米精度）", examples=[30.274])
    lng: float | None = Field(description="经度（约 100 米精度）", examples=[120.155])
    status: str = Field(description="open 办理中 / closed 已答复或办结", examples=["closed"])
    submitted_at: IsoTime = Field(description="提交时间", examples=[TIME_EXAMPLE])
    closed_at: IsoTime | None = Field(description="答复或办结时间", examples=[TIME_EXAMPLE])
    unit: PublicUnitOut = Field(description="单位")
    summary: str = Field(description="脱敏摘要", examples=["市民反映文三路某工地夜间施工扰民。"])
    result: str = Field(description="脱敏办理结果", examples=["工地已停止夜间施工。"])
    rating: int | None = Field(description="市民评价 1-5", examples=[5])
    photos: list[str] = Field(description="公开的照片（重新编码，无 EXIF）",
                              examples=[["https://12345.example.cn/api/v1/photos/101/display"]])


class PublicCasePageOut(Out):
    items: list[PublicCaseOut] = Field(description="列表")
    next_cursor: str | None = Field(description="下一页的 cursor；没有更多时为 null",
                                    examples=[None])


class PublicStepOut(Out):
    at: IsoTime = Field(description="时间", examples=[TIME_EXAMPLE])
    action: str = Field(description="步骤", examples=["reply"])
    label: str = Field(description="步骤名称", examples=["答复"])


class PublicCaseDetailOut(PublicCaseOut):
    timeline: list[PublicStepOut] = Field(description="公开的办理经过")


class NoticeIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "unit_id": 12, "title": "关于夜间施工噪声投诉办理情况的督查通报",
        "text": "11 月共督办夜间施工噪声投诉 12 件，已全部办结，2 件超期。",
        "tracking_nos": ["20261127-000123"], "publish": True,
    }]})

    unit_id: Id = Field(description="被督查的单位")
    title: Line = Field(min_length=1, max_length=200, description="标题")
    text: Text = Field(min_length=1, max_length=5000, description="通报内容（不得含个人信息）")
    tracking_nos: list[Annotated[Line, Field(max_length=32)]] = Field(
        default_factory=list, max_length=200, description="涉及的诉求编号（督办过的诉求）")
    publish: bool = Field(default=False, description="是否立即公开")


class NoticeOut(Out):
    id: int = Field(description="通报编号", examples=[1])
    at: IsoTime = Field(description="公开（或起草）时间", examples=[TIME_EXAMPLE])
    unit: PublicUnitOut = Field(description="单位")
    title: str = Field(description="标题", examples=["关于夜间施工噪声投诉办理情况的督查通报"])
    text: str = Field(description="通报内容", examples=["11 月共督办 12 件，已全部办结。"])
    cases: int = Field(description="涉及的诉求数", examples=[12])
    public_ids: list[str] = Field(description="其中已公开诉求的公开编号",
                                  examples=[["3f9a1c0b7d2e"]])
    published: bool = Field(description="是否已公开", examples=[True])


class NoticeListOut(Out):
    items: list[NoticeOut] = Field(description="列表")


class PublicNoticeOut(Out):
    at: IsoTime = Field(description="公开时间", examples=[TIME_EXAMPLE])
    unit: PublicUnitOut = Field(description="单位")
    title: str = Field(description="标题", examples=["关于夜间施工噪声投诉办理情况的督查通报"])
    text: str = Field(description="通报内容", examples=["11 月共督办 12 件，已全部办结。"])
    cases: int = Field(description="涉及的诉求数", examples=[12])
    public_ids: list[str] = Field(description="其中已公开诉求的公开编号",
                                  examples=[["3f9a1c0b7d2e"]])


class PublicNoticesOut(Out):
    items: list[PublicNoticeOut] = Field(description="列表")


class HandlingDaysPublicOut(Out):
    letters_visits_online: float | None = Field(description="来信、来访、网络渠道平均办理天数",
                                                examples=[6.9])
    calls: float | None = Field(description="电话渠道平均办理天数", examples=[2.51])


class FiguresOut(Out):
    unit: PublicUnitOut = Field(description="单位")
    received: int = Field(description="受理量", examples=[180])
    completed: int = Field(description="办结量", examples=[150])
    completed_on_time: int = Field(description="按时办结", examples=[140])
    completed_late: int = Field(description="超期办结", examples=[10])
    open: int = Field(description="在办", examples=[25])
    completion_rate: float | None = Field(description="办结率", examples=[0.8571])
    on_time_rate: float | None = Field(description="按时办结率", examples=[0.9333])
    satisfaction_rate: float | None = Field(description="满意率（好评占评价的比例）",
                                            examples=[0.92])
    avg_handling_days: HandlingDaysPublicOut = Field(description="平均办理天数")


class MonthlyOut(Out):
    month: str = Field(description="月份", examples=["2026-11"])
    province: FiguresOut = Field(description="全省")
    units: list[FiguresOut] = Field(description="各单位（含下级单位）")
