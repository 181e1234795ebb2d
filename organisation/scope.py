"""Who may administer what: role ``admin``, within the subtree of the administrator's unit.

A record outside the caller's subtree does not exist for the caller: a path naming one is a
404, and a body referring to one is the same 422 as an unknown reference. What is province-wide
(categories, the working calendar) is administered by the root unit's administrators only.
"""

from __future__ import annotations

from hotline.errors import Forbidden, NotFound, Problem, field_problem
from identity.principal import Principal
from models.org import Unit

ADMIN = "admin"


def require_admin(who: Principal) -> None:
    if not who.has_role(ADMIN):
        raise Forbidden("需要管理员权限", code="forbidden")


def is_root_admin(who: Principal) -> bool:
    """An administrator of the root unit ("/1/"): the whole province is in scope."""
    return who.has_role(ADMIN) and (who.unit_path or "").count("/") == 2


def require_root_admin(who: Principal) -> None:
    require_admin(who)
    if not is_root_admin(who):
        raise Forbidden("仅省级平台的管理员可以修改全省共用的设置", code="province_admin_only")


def covers(who: Principal, path: str) -> bool:
    return bool(who.unit_path) and path.startswith(who.unit_path or "")


async def unit_at(who: Principal, unit_id: int) -> Unit:
    """The unit a path names (``/admin/units/{id}``): 404 when missing or outside the scope."""
    unit = await Unit.get_or_none(id=unit_id)
    if unit is None or not covers(who, unit.path):
        raise NotFound("单位不存在", code="unit_not_found")
    return unit


async def unit_ref(who: Principal, unit_id: int, field: str = "unit_id") -> Unit:
    """The unit a body refers to: 422 naming the field when missing or outside the scope."""
    unit = await Unit.get_or_none(id=unit_id)
    if unit is None or not covers(who, unit.path):
        raise unknown(field, "单位不存在或不在您的管理范围内")
    return unit


def unknown(field: str, detail: str, code: str = "unknown_reference") -> Problem:
    """A 422 naming the body field it is about, shaped as pydantic's own (``errors[0].loc``)."""
    return field_problem(field, detail, code)

