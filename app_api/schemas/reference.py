"""Reference data: categories and units."""

from __future__ import annotations

from pydantic import Field

from app_api.schemas.base import Out


class CategoryOut(Out):
    code: str = Field(description="类别代码，提交诉求时作为 category_code", examples=["ENV-NOISE"])
    name: str = Field(description="类别名称", examples=["噪声污染"])
    kinds: list[str] = Field(
        description="该类别接受的诉求类型（consultation、help、complaint、report、suggestion、praise）",
        examples=[["complaint", "report"]],
    )
    rewardable: bool = Field(description="实名举报查实后是否可获奖励", examples=[False])
    parent_code: str | None = Field(description="上级类别代码（顶级为 null）", examples=["ENV"])
    reward_notice: str | None = Field(
        description="可奖励类别提交前须展示的说明（不可奖励时为 null）", examples=[None]
    )


class UnitOut(Out):
    id: int = Field(description="单位 ID", examples=[12])
    code: str = Field(description="单位代码", examples=["XH-CG"])
    name: str = Field(description="单位名称", examples=["西湖区城市管理局"])
    kind: str = Field(description="单位类型", examples=["department"])
    region_code: str = Field(description="所在行政区划代码", examples=["330106"])
    parent_id: int | None = Field(description="上级单位 ID（根单位为 null）", examples=[1])
