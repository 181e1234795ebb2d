"""The knowledge base: search results, items (public and for editors), versions, synonyms."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, Field

from app_api.schemas.admin_reference import NoNulls
from app_api.schemas.base import TIME_EXAMPLE, IsoTime, Out
from app_api.schemas.inputs import Id, Line, Text
from app_api.schemas.requests import Kind, LocationIn, example
from app_api.schemas.search import SimilarItemOut

KbKind = Literal["service", "faq", "policy"]
KbState = Literal["draft", "published", "archived"]
Material = Annotated[Line, Field(max_length=200)]
Step = Annotated[Text, Field(max_length=500)]
Term = Annotated[Line, Field(min_length=1, max_length=32)]

ITEM_EXAMPLE = {
    "kind": "service", "title": "居住证申领", "department": "杭州市公安局",
    "body": ("在居住地居住满半年，符合有合法稳定就业、合法稳定住所、连续就读条件之一的，"
             "可以申领居住证。"),
    "applicable": "在本市居住半年以上的非本市户籍人员",
    "materials": ["居民身份证", "居住登记凭证", "近期证件照"],
    "steps": ["网上或到派出所提交申请", "审核", "领取居住证"],
    "time_limit_legal": "15个工作日", "time_limit_promised": "7个工作日", "fee": "首次申领不收费",
    "online": "浙里办 App 搜索“居住证”", "location": "居住地派出所",
    "legal_basis": "《居住证暂行条例》",
}


# -- replies ---------------------------------------------------------------------------------
class KbHitOut(Out):
    id: int = Field(description="知识条目 ID", examples=[12])
    kind: str = Field(description="类型：service 办事指南、faq 常见问题、policy 政策",
                      examples=["service"])
    title: str = Field(description="标题（纯文本，客户端显示时须自行转义）",
                       examples=["居住证申领"])
    snippet: str = Field(
        description="正文摘要：已做 HTML 转义，命中的词用 <mark>…</mark> 标出",
        examples=["在<mark>居住</mark>地居住满半年……可以申领<mark>居住证</mark>。"],
    )
    score: float = Field(description="相关度得分（越大越相关，仅用于排序）", examples=[6.1523])
    department: str = Field(description="实施部门", examples=["杭州市公安局"])


class KbSearchOut(Out):
    items: list[KbHitOut] = Field(description="按相关度排序的已发布条目（可能为空）")


class KbItemOut(Out):
    id: int = Field(description="知识条目 ID", examples=[12])
    kind: str = Field(description="类型：service、faq 或 policy", examples=["service"])
    title: str = Field(description="标题", examples=[ITEM_EXAMPLE["title"]])
    body: str = Field(description="正文", examples=[ITEM_EXAMPLE["body"]])
    department: str = Field(description="实施部门", examples=[ITEM_EXAMPLE["department"]])
    applicable: str = Field(description="适用对象", examples=[ITEM_EXAMPLE["applicable"]])
    materials: list[str] = Field(description="申请材料", examples=[ITEM_EXAMPLE["materials"]])
    steps: list[str] = Field(description="办理流程", examples=[ITEM_EXAMPLE["steps"]])
    time_limit_legal: str | None = Field(description="法定办结时限", examples=["15个工作日"])
    time_limit_promised: str | None = Field(description="承诺办结时限", examples=["7个工作日"])
    time_limit: str | None = Field(description="办结时限（承诺时限，无则为法定时限）",
                                   examples=["7个工作日"])
    fee: str | None = Field(description="收费标准", examples=["首次申领不收费"])
    online: str | None = Field(description="网上办理渠道与方式", examples=[ITEM_EXAMPLE["online"]])
    location: str | None = Field(description="办理地点", examples=["居住地派出所"])
    legal_basis: str | None = Field(description="设定依据", examples=["《居住证暂行条例》"])
    version: int = Field(description="版本号（每次保存加一）", examples=[3])
    updated_at: IsoTime = Field(description="最后修改时间", examples=[TIME_EXAMPLE])


class KbAdminItemOut(KbItemOut):
    key: str | None = Field(description="演示数据的稳定键（编辑新建的条目为 null）",
                            examples=["residence-permit"])
    state: str = Field(description="状态：draft 草稿、published 已发布、archived 已下架归档",
                       examples=["published"])
    created_at: IsoTime = Field(description="创建时间", examples=[TIME_EXAMPLE])
    updated_by: str = Field(description="最后修改人（用户名）", examples=["kb_editor"])


class KbItemPageOut(Out):
    items: list[KbAdminItemOut] = Field(description="知识条目（含草稿和已归档的）")
    next_cursor: str | None = Field(description="下一页游标（没有更多时为 null）",
                                    examples=[None])


class KbVersionOut(Out):
    version: int = Field(description="版本号", examples=[2])
    action: str = Field(description="操作：create、update、publish、unpublish、archive",
                        examples=["update"])
    state: str = Field(description="保存后的状态", examples=["published"])
    editor: str = Field(description="保存人（用户名）", examples=["kb_editor"])
    at: IsoTime = Field(description="保存时间", examples=[TIME_EXAMPLE])
    data: dict[str, Any] = Field(description="该版本的全部可编辑字段",
                                 examples=[ITEM_EXAMPLE])


class KbVersionsOut(Out):
    items: list[KbVersionOut] = Field(description="历史版本，最新的在前")


class KbSynonymOut(Out):
    id: int | None = Field(description="同义词组 ID（内置词组为 null，不能删除）", examples=[3])
    terms: list[str] = Field(description="互为同义的词", examples=[["公积金", "住房公积金"]])
    builtin: bool = Field(description="是否为内置词组（knowledge/data/synonyms.txt）",
                          examples=[False])
    created_by: str | None = Field(description="添加人（内置词组为 null）", examples=["kb_editor"])
    created_at: IsoTime | None = Field(description="添加时间（内置词组为 null）",
                                       examples=[TIME_EXAMPLE])


class KbSynonymsOut(Out):
    items: list[KbSynonymOut] = Field(description="内置词组在前，编辑添加的在后")


# -- request bodies ---------------------------------------------------------------------------
class KbItemIn(BaseModel):
    model_config = example(ITEM_EXAMPLE | {"draft": False}, "新建知识条目", forbid_unknown=True)

    kind: KbKind = Field(description="类型：service 办事指南、faq 常见问题、policy 政策")
    title: Line = Field(min_length=1, max_length=200, description="标题")
    body: Text = Field(default="", max_length=20000, description="正文")
    department: Line = Field(default="", max_length=128, description="实施部门")
    applicable: Text = Field(default="", max_length=2000, description="适用对象")
    materials: list[Material] = Field(default_factory=list, max_length=50,
                                      description="申请材料（每项最长 200 字）")
    steps: list[Step] = Field(default_factory=list, max_length=50,
                              description="办理流程（每步最长 500 字）")
    time_limit_legal: Line | None = Field(default=None, max_length=64, description="法定办结时限")
    time_limit_promised: Line | None = Field(default=None, max_length=64,
                                             description="承诺办结时限")
    fee: Line | None = Field(default=None, max_length=200, description="收费标准")
    online: Text | None = Field(default=None, max_length=1000, description="网上办理渠道与方式")
    location: Text | None = Field(default=None, max_length=1000, description="办理地点")
    legal_basis: Text | None = Field(default=None, max_length=2000, description="设定依据")
    draft: bool = Field(default=False, description="true 保存为草稿（不公开、搜不到）")

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude={"draft"})


class KbItemPatchIn(NoNulls):
    model_config = example({"fee": "不收费", "draft": False}, "修改知识条目（只改给出的字段）",
                           forbid_unknown=True)
    NULLABLE: ClassVar[frozenset[str]] = frozenset(
        {"time_limit_legal", "time_limit_promised", "fee", "online", "location", "legal_basis"}
    )

    kind: KbKind | None = Field(default=None, description="类型")
    title: Line | None = Field(default=None, min_length=1, max_length=200, description="标题")
    body: Text | None = Field(default=None, max_length=20000, description="正文")
    department: Line | None = Field(default=None, max_length=128, description="实施部门")
    applicable: Text | None = Field(default=None, max_length=2000, description="适用对象")
    materials: list[Material] | None = Field(default=None, max_length=50, description="申请材料")
    steps: list[Step] | None = Field(default=None, max_length=50, description="办理流程")
    time_limit_legal: Line | None = Field(default=None, max_length=64, description="法定办结时限")
    time_limit_promised: Line | None = Field(default=None, max_length=64,
                                             description="承诺办结时限")
    fee: Line | None = Field(default=None, max_length=200, description="收费标准")
    online: Text | None = Field(default=None, max_length=1000, description="网上办理渠道与方式")
    location: Text | None = Field(default=None, max_length=1000, description="办理地点")
    legal_basis: Text | None = Field(default=None, max_length=2000, description="设定依据")
    draft: bool | None = Field(default=None,
                               description="true 撤回为草稿，false 发布（已归档的条目不变）")


class KbSynonymIn(BaseModel):
    model_config = example({"terms": ["公积金", "住房公积金"]}, "新增同义词组",
                           forbid_unknown=True)

    terms: list[Term] = Field(min_length=2, max_length=20,
                              description="互为同义的词（2–20 个，每个最长 32 字）")


# -- answers before filing -------------------------------------------------------------------
class PrecheckIn(BaseModel):
    """提交前查询：诉求草稿（不保存其文字）。"""

    model_config = example(
        {"kind": "consultation", "category_code": "GENERAL-POLICY", "title": "孩子上学要居住证吗",
         "content": "我想问一下孩子在杭州上学需要办居住证吗？", "location": None},
        "提交前查询：先看知识库答案和相似诉求",
    )

    kind: Kind = Field(description="诉求类型（咨询类才匹配知识库）")
    category_code: Line = Field(min_length=1, max_length=32, description="诉求类别代码")
    title: Text | None = Field(default=None, max_length=200, description="标题（可选）")
    content: Text = Field(min_length=1, max_length=5000, description="诉求内容（草稿）")
    location: LocationIn | None = Field(default=None,
                                        description="发生地点（用于查找附近相似诉求）")


class KbSuggestionOut(KbHitOut):
    url: str = Field(description="条目页面链接", examples=["https://12345.zj.gov.cn/kb/items/12"])


class PrecheckOut(Out):
    """The knowledge items answering the draft and the open cases like it."""

    precheck_id: str = Field(
        description=("本次查询的编号：仍提交时随 POST /cases 带上，"
                     "已解决时用于 POST /kb/deflections"),
        examples=["q3Xb0v1mXK9yQ2a7LwqP4g"],
    )
    kb: list[KbSuggestionOut] = Field(description="可能解答该问题的知识条目（仅咨询类，至多 3 条）")
    similar: list[SimilarItemOut] = Field(description="相似的未办结诉求（同 GET /cases/similar）")


class DeflectionIn(BaseModel):
    """“这解决了我的问题”：看了知识条目，不再提交。"""

    model_config = example({"precheck_id": "q3Xb0v1mXK9yQ2a7LwqP4g", "kb_item_id": 12},
                           "记录知识库已解决问题（每次提交前查询只记一次）")

    precheck_id: Line = Field(min_length=1, max_length=64,
                              description="POST /cases/precheck 返回的编号")
    kb_item_id: Id = Field(description="解决了问题的知识条目 ID")


class DeflectionOut(Out):
    precheck_id: str = Field(description="提交前查询编号", examples=["q3Xb0v1mXK9yQ2a7LwqP4g"])
    kb_item_id: int = Field(description="记下的知识条目（首次记录的那一条）", examples=[12])
    deflected: bool = Field(description="已记为“已解决，未提交”", examples=[True])
    at: IsoTime = Field(description="记录时间", examples=[TIME_EXAMPLE])
