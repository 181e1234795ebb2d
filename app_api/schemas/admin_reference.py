"""Administration of categories, routing rules, the working calendar and reward programmes."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, model_validator

from app_api.schemas.base import Out
from app_api.schemas.inputs import Amount, Day, Id, Line
from app_api.schemas.requests import Kind, example

Code = Line
Procedure = Literal["simple", "normal", "petition"]
CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"


class NoNulls(BaseModel):
    """A PATCH body: a field left out is unchanged; ``null`` only where it means something."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_nulls(self) -> NoNulls:
        for name in self.model_fields_set - self.NULLABLE:
            if getattr(self, name) is None:
                raise ValueError(f"{name} 不能为 null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


# -- categories -----------------------------------------------------------------------------
class CategoryIn(BaseModel):
    model_config = example(
        {"code": "ENV-LIGHT", "name": "光污染", "kinds": ["complaint", "report"],
         "rewardable": False, "parent_code": "ENV"},
        "新建诉求类别（仅省级平台管理员）", forbid_unknown=True,
    )

    code: Code = Field(pattern=CODE, description="类别代码（字母、数字、- 或 _，最长 32 位）")
    name: Line = Field(min_length=1, max_length=64, description="类别名称")
    kinds: list[Kind] = Field(min_length=1, max_length=6, description="该类别接受的诉求类型")
    rewardable: bool = Field(default=False, description="实名举报查实后是否可获奖励")
    parent_code: Code | None = Field(default=None, max_length=32,
                                     description="上级类别代码（顶级为 null）")
    active: bool = Field(default=True, description="是否受理新的诉求")
    auto_dispatch: bool = Field(default=False, description="是否按路由规则自动派发")
    default_procedure: Procedure = Field(default="normal", description="默认办理程序")


class CategoryPatchIn(NoNulls):
    model_config = example({"name": "光污染扰民", "active": False},
                           "修改诉求类别（仅省级平台管理员）", forbid_unknown=True)
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"parent_code"})

    name: Line | None = Field(default=None, min_length=1, max_length=64, description="类别名称")
    kinds: list[Kind] | None = Field(default=None, min_length=1, max_length=6,
                                     description="该类别接受的诉求类型")
    rewardable: bool | None = Field(default=None, description="实名举报查实后是否可获奖励")
    parent_code: Code | None = Field(default=None, max_length=32,
                                     description="上级类别代码（null 表示改为顶级类别）")
    active: bool | None = Field(default=None, description="是否受理新的诉求")
    auto_dispatch: bool | None = Field(default=None, description="是否按路由规则自动派发")
    default_procedure: Procedure | None = Field(default=None, description="默认办理程序")


class AdminCategoryOut(Out):
    code: str = Field(description="类别代码", examples=["ENV-NOISE"])
    name: str = Field(description="类别名称", examples=["噪声污染"])
    kinds: list[str] = Field(description="接受的诉求类型", examples=[["complaint", "report"]])
    rewardable: bool = Field(description="实名举报查实后是否可获奖励", examples=[False])
    parent_code: str | None = Field(description="上级类别代码（顶级为 null）", examples=["ENV"])
    active: bool = Field(description="是否受理新的诉求", examples=[True])
    auto_dispatch: bool = Field(description="是否按路由规则自动派发", examples=[False])
    default_procedure: str = Field(description="默认办理程序", examples=["normal"])


class CategoryPageOut(Out):
    items: list[AdminCategoryOut] = Field(description="本页的类别")
    next_cursor: str | None = Field(description="下一页的 cursor（没有更多时为 null）",
                                    examples=[None])


# -- routing rules --------------------------------------------------------------------------
class RoutingRuleIn(BaseModel):
    model_config = example(
        {"category_code": "ENV-NOISE", "region_code": "330106", "unit_id": 18},
        "新建路由规则：某类别在某区划的默认承办单位", forbid_unknown=True,
    )

    category_code: Code = Field(min_length=1, max_length=32, description="类别代码")
    region_code: Line = Field(min_length=1, max_length=12, description="行政区划代码")
    unit_id: Id = Field(description="承办单位 ID（须在您的管理范围内）")


class RuleUnitOut(Out):
    id: int = Field(description="单位 ID", examples=[18])
    code: str = Field(description="单位代码", examples=["HZ-XH-STHJ"])
    name: str = Field(description="单位名称", examples=["杭州市生态环境局西湖分局"])


class RoutingRuleOut(Out):
    id: int = Field(description="路由规则 ID", examples=[7])
    category_code: str = Field(description="类别代码", examples=["ENV-NOISE"])
    region_code: str = Field(description="行政区划代码", examples=["330106"])
    unit_id: int = Field(description="承办单位 ID", examples=[18])
    unit: RuleUnitOut = Field(description="承办单位")


class RoutingRulePageOut(Out):
    items: list[RoutingRuleOut] = Field(description="本页的路由规则")
    next_cursor: str | None = Field(description="下一页的 cursor（没有更多时为 null）",
                                    examples=[None])


# -- the working calendar -------------------------------------------------------------------
class CalendarDayIn(BaseModel):
    model_config = example({"date": "2027-01-01", "working": False, "name": "元旦"},
                           "一天：法定节假日（working=false）或调休上班日（working=true）",
                           forbid_unknown=True)

    date: Line = Field(min_length=1, max_length=32, description="日期 YYYY-MM-DD")
    working: bool = Field(description="true 为调休上班日（周末），false 为放假")
    name: Line = Field(default="", max_length=64, description="名称，如“元旦”“调休”")


class CalendarIn(BaseModel):
    model_config = example(
        {"days": [{"date": "2027-01-01", "working": False, "name": "元旦"},
                  {"date": "2027-02-06", "working": True, "name": "调休"}]},
        "一年的节假日和调休上班日（替换该年已有的数据）", forbid_unknown=True,
    )

    days: list[CalendarDayIn] = Field(max_length=366, description="该年的节假日和调休上班日")


class CalendarImportOut(Out):
    year: int = Field(description="年份", examples=[2027])
    days: int = Field(description="导入的天数", examples=[36])
    holidays: int = Field(description="其中放假的天数", examples=[30])
    workdays: int = Field(description="其中调休上班的天数", examples=[6])
    recomputed: int = Field(description="重新计算了临时期限的在办诉求数", examples=[12])


class CalendarDayOut(Out):
    date: str = Field(description="日期", examples=["2027-01-01"])
    working: bool = Field(description="true 为调休上班日，false 为放假", examples=[False])
    name: str = Field(description="名称", examples=["元旦"])


class CalendarYearOut(Out):
    year: int = Field(description="年份", examples=[2027])
    known: bool = Field(description="是否已导入该年的官方安排（否则按周一至周五临时计算）",
                        examples=[True])
    source: str | None = Field(description="数据来源", examples=["api:admin"])
    days: list[CalendarDayOut] = Field(description="节假日和调休上班日，按日期排列")


# -- reward programmes ----------------------------------------------------------------------
class ProgramPatchIn(NoNulls):
    model_config = example({"budget": "200000.00", "ends_on": "2027-12-31"},
                           "修改奖励项目的预算、结束日期或启用状态", forbid_unknown=True)

    budget: Amount | None = Field(default=None, description="总预算（元），不得低于已承诺金额")
    ends_on: Day | None = Field(default=None, description="结束日期（含）")
    active: bool | None = Field(default=None, description="是否启用")
