"""Bodies and replies of consent, review and publishing (published results)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app_api.schemas.base import TIME_EXAMPLE, IsoTime, Out


class ConsentIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"public": True}]})

    public: bool = Field(description="同意经审核、脱敏后公开（撤回即刻撤下已公开的内容）")


class PublishIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "summary": "市民反映文三路某小区附近工地夜间施工噪声扰民。",
        "result": "经查，工地已停止夜间施工，城管部门将持续巡查。",
        "photo_ids": [101],
    }]})

    summary: str = Field(max_length=5000, description="审核后的脱敏摘要")
    result: str = Field(max_length=5000, description="审核后的脱敏办理结果")
    photo_ids: list[int] = Field(default_factory=list, max_length=20,
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
    original: OriginalOut
    draft: DraftOut
    photos: list[dict[str, Any]] = Field(description="诉求的照片（供选择公开）", examples=[[]])
    published: PublishedOut | None = Field(description="当前公开的内容", examples=[None])
