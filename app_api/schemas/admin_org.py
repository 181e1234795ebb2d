"""Bodies and replies of the administration of units, staff and kiosks (``/admin/units``,
``/admin/staff``, ``/admin/devices``) and of a staff member's own password change."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app_api.schemas.base import TIME_EXAMPLE, IsoTime, Out, UnitRef
from app_api.schemas.inputs import Id, Line
from app_api.schemas.requests import example

UnitKindIn = Literal[
    "platform", "government", "department", "party", "congress", "cppcc", "court",
    "procuratorate", "public_service",
]
KIND_TEXT = ("单位类别：platform（12345 热线平台）、government（人民政府）、department（部门）、"
             "party（党委）、congress（人大）、cppcc（政协）、court（法院）、"
             "procuratorate（检察院）、public_service（公共服务企事业单位）")
CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
REGION = r"^[0-9]{6}([0-9]{3})?$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
USERNAME = r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$"
ROLES_TEXT = (
    "角色：operator、dispatcher、handler、supervisor、reward_admin、admin、kb_editor、publisher"
)
NEXT_CURSOR = "下一页的 cursor 参数；没有更多时为 null"
PAGE_CURSOR_EXAMPLE = "dW5pdHM6MTI.8Qm1c2yJ0kLh4mXa"


# -- units ------------------------------------------------------------------------------------
UNIT_EXAMPLE = {
    "code": "HZ-XH-SLJ", "name": "西湖区水利局", "region_code": "330106", "parent_id": 17,
    "email": "slj@xihu.example.gov.cn", "kind": "department",
}


class UnitIn(BaseModel):
    model_config = example(UNIT_EXAMPLE, "新建单位（在自己管理范围内的启用单位之下）",
                           forbid_unknown=True)

    code: Line = Field(min_length=1, max_length=32, pattern=CODE,
                       description="单位代码（全省唯一）")
    name: Line = Field(min_length=1, max_length=128, description="单位名称")
    region_code: str = Field(pattern=REGION, description="所在行政区划代码（6 位或 9 位）")
    parent_id: Id = Field(description="上级单位 ID")
    email: Line | None = Field(default=None, max_length=254, pattern=EMAIL,
                               description="接收转办通知的邮箱")
    kind: UnitKindIn | None = Field(default=None, description=KIND_TEXT + "；缺省为 department")


class UnitPatchIn(BaseModel):
    model_config = example(
        {"name": "西湖区林业和水利局", "parent_id": 17, "active": False},
        "修改单位：改名、调整区划或类别、移动到另一上级（parent_id）、停用或启用（active）。"
        "只需给出要改的字段；email 为 null 时清除",
        forbid_unknown=True,
    )

    name: Line | None = Field(default=None, min_length=1, max_length=128, description="单位名称")
    region_code: str | None = Field(default=None, pattern=REGION, description="行政区划代码")
    email: Line | None = Field(default=None, max_length=254, pattern=EMAIL, description="邮箱")
    kind: UnitKindIn | None = Field(default=None, description=KIND_TEXT)
    parent_id: Id | None = Field(
        default=None, description="新的上级单位 ID（移动单位及其全部下级和诉求）"
    )
    active: bool | None = Field(
        default=None, description="false 停用（须无未办结诉求、启用的下级、在岗人员和终端）"
    )


class UnitOut(Out):
    id: int = Field(description="单位 ID", examples=[31])
    code: str = Field(description="单位代码", examples=["HZ-XH-SLJ"])
    name: str = Field(description="单位名称", examples=["西湖区水利局"])
    kind: str = Field(description=KIND_TEXT, examples=["department"])
    region_code: str = Field(description="所在行政区划代码", examples=["330106"])
    parent_id: int | None = Field(description="上级单位 ID（根单位为 null）", examples=[17])
    path: str = Field(description="从根单位到本单位的 ID 路径", examples=["/1/11/17/31/"])
    email: str | None = Field(description="接收转办通知的邮箱",
                              examples=["slj@xihu.example.gov.cn"])
    active: bool = Field(description="是否启用；停用的单位不再接收新诉求", examples=[True])


class UnitPageOut(Out):
    items: list[UnitOut] = Field(description="本页单位，按 ID 排序")
    next_cursor: str | None = Field(description=NEXT_CURSOR, examples=[PAGE_CURSOR_EXAMPLE])


# -- staff ------------------------------------------------------------------------------------
STAFF_EXAMPLE = {
    "username": "xh_slj_li", "password": "Xihu-water-2026", "roles": ["handler"],
    "unit_id": 31, "phone": "13800138000", "display_name": "李工",
}


class StaffIn(BaseModel):
    model_config = example(STAFF_EXAMPLE, "新建工作人员账号", forbid_unknown=True)

    username: Line = Field(min_length=1, max_length=64, pattern=USERNAME,
                           description="用户名（字母、数字和 _ . @ -）")
    password: str = Field(
        min_length=1, max_length=256,
        description="初始密码：至少 10 个字符，含小写字母、大写字母、数字、其他字符中的至少三类，"
                    "不得包含用户名",
    )
    roles: list[Line] = Field(min_length=1, max_length=8, description=ROLES_TEXT)
    unit_id: Id = Field(description="所属单位 ID（须在管理范围内且启用）")
    phone: Line | None = Field(default=None, max_length=20, description="手机号（仅存密文）")
    display_name: Line | None = Field(default=None, max_length=64,
                                      description="姓名（缺省为用户名）")


class StaffPatchIn(BaseModel):
    model_config = example(
        {"roles": ["handler", "supervisor"], "unit_id": 31, "active": False},
        "修改工作人员：角色、单位、手机号、姓名、启用状态。停用后其全部登录立即失效；"
        "phone 为 null 时清除",
        forbid_unknown=True,
    )

    roles: list[Line] | None = Field(default=None, min_length=1, max_length=8,
                                     description=ROLES_TEXT)
    unit_id: Id | None = Field(default=None, description="所属单位 ID")
    phone: Line | None = Field(default=None, max_length=20, description="手机号")
    display_name: Line | None = Field(default=None, min_length=1, max_length=64,
                                      description="姓名")
    active: bool | None = Field(default=None, description="false 停用账号")


class PasswordResetIn(BaseModel):
    model_config = example({"password": "Temp-pass-2026"},
                           "管理员重置密码：对方下次登录后须先修改密码", forbid_unknown=True)

    password: str = Field(min_length=1, max_length=256, description="新密码（强度要求同新建）")


class StaffPasswordIn(BaseModel):
    model_config = example(
        {"old_password": "Temp-pass-2026", "new_password": "My-own-pass-2026"},
        "修改本人密码（重置后首次登录必须先修改）", forbid_unknown=True,
    )

    old_password: str = Field(min_length=1, max_length=256, description="当前密码")
    new_password: str = Field(
        min_length=1, max_length=256,
        description="新密码：至少 10 个字符，含四类字符中的至少三类，不含用户名，且与当前密码不同",
    )


class StaffOut(Out):
    id: int = Field(description="工作人员 ID", examples=[42])
    username: str = Field(description="用户名", examples=["xh_slj_li"])
    display_name: str = Field(description="姓名", examples=["李工"])
    roles: list[str] = Field(description=ROLES_TEXT, examples=[["handler"]])
    unit: UnitRef = Field(description="所属单位")
    phone: str | None = Field(description="脱敏手机号（未登记为 null）", examples=["138****8000"])
    active: bool = Field(description="是否启用", examples=[True])
    must_change_password: bool = Field(description="下次登录后须先修改密码", examples=[False])
    created_at: IsoTime = Field(description="创建时间", examples=[TIME_EXAMPLE])


class StaffPageOut(Out):
    items: list[StaffOut] = Field(description="本页工作人员，按 ID 排序")
    next_cursor: str | None = Field(description=NEXT_CURSOR, examples=[PAGE_CURSOR_EXAMPLE])


# -- kiosks -----------------------------------------------------------------------------------
class DeviceIn(BaseModel):
    model_config = example({"name": "西湖区行政服务中心 3 号机", "unit_id": 17},
                           "登记自助终端：回复中的 key 只显示这一次", forbid_unknown=True)

    name: Line = Field(min_length=1, max_length=64, description="终端名称")
    unit_id: Id = Field(description="所属单位 ID（须在管理范围内且启用）")


class DeviceOut(Out):
    id: int = Field(description="终端 ID", examples=[3])
    name: str = Field(description="终端名称", examples=["西湖区行政服务中心 3 号机"])
    unit: UnitRef = Field(description="所属单位")
    active: bool = Field(description="是否启用；吊销后其密钥立即失效", examples=[True])
    created_at: IsoTime = Field(description="登记时间", examples=[TIME_EXAMPLE])


class DeviceCreatedOut(DeviceOut):
    key: str = Field(
        description="终端密钥（请求头 X-Device-Key），仅此一次显示，服务器只保存其摘要",
        examples=["kiosk_9bqVZ3t0Yw1m2nQe8c7XfK4uHc1r5sT6vP0aL2dJ3gE"],
    )


class DevicePageOut(Out):
    items: list[DeviceOut] = Field(description="本页自助终端，按 ID 排序")
    next_cursor: str | None = Field(description=NEXT_CURSOR, examples=[PAGE_CURSOR_EXAMPLE])
