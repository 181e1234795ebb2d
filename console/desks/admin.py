"""The administrator's desk, organisation: units, staff and kiosks within the administrator's
unit subtree, through the services the administration API calls (``organisation.units``,
``identity.staff_admin``, ``identity.devices``). Deactivating an account ends its sessions,
console sessions included, at once (``tokens.revoke_all`` in ``staff_admin.update_staff``)."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app_api.responses import csv_download
from casework.reference import units_in_scope
from console import templating
from console.desks.common import after, download, flag, link, message, pages
from console.session import require_role
from hotline.csvcell import cell
from identity import devices, staff_admin
from identity.web_sessions import WebSession
from models.org import StaffRole, UnitKind
from organisation import units
from organisation.scope import require_admin

router = APIRouter(prefix="/admin")
Admin = Annotated[WebSession, Depends(require_role("admin"))]
HOME = "/console/admin"
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Cursor = Annotated[str | None, Query(max_length=200)]
Active = Literal["1", "0", ""]

DONE = {
    "unit_created": "单位已创建。", "unit_updated": "单位已更新。",
    "staff_created": "工作人员账号已创建。", "staff_updated": "账号已更新。",
    "staff_off": "账号已停用，其所有登录（含工作台）已立即失效。",
    "password_reset": "密码已重置，对方须在下次登录后修改密码；其所有登录已失效。",
    "kiosk_revoked": "终端已吊销，其密钥立即失效。",
    "category_created": "类别已创建。", "category_updated": "类别已更新。",
    "rule_created": "路由规则已添加，派单建议立即生效。", "rule_deleted": "路由规则已删除。",
    "kb_created": "知识条目已保存。", "kb_published": "知识条目已发布，可被检索。",
    "kb_unpublished": "知识条目已撤回为草稿。",
}
UNIT_KINDS = {
    "platform": "热线平台", "government": "人民政府", "department": "政府部门", "party": "党委机关",
    "congress": "人大机关", "cppcc": "政协机关", "court": "法院", "procuratorate": "检察院",
    "public_service": "公共服务单位",
}


def admin(me: WebSession) -> Any:
    require_admin(me.principal)
    return me.principal


def _render(request: Request, me: WebSession, name: str, ctx: dict[str, Any]) -> Response:
    here = link(request, cursor=request.query_params.get("cursor"))  # without "done"
    return templating.render(request, name, {"done": message(request, DONE), "back": here}
                             | ctx, session=me)


@router.get("")
async def home(request: Request, me: Admin) -> Response:
    return _render(request, me, "admin/home.html", {})


# -- units -----------------------------------------------------------------------------------
class UnitForm(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=128)
    region_code: str = Field(min_length=1, max_length=12)
    parent_id: int = Field(ge=1)
    kind: Literal[tuple(UnitKind.__members__)] = "department"  # type: ignore[valid-type]
    email: str = Field(default="", max_length=254)


class ActiveForm(BaseModel):
    active: Literal["1", "0"]
    back: str = Field(default="", max_length=500)  # the list, with its filters


def back_to(target: str, default: str) -> str:
    """Where a form returns: the page it was sent from, if it is this desk's."""
    ok = target.startswith(f"{HOME}/") and not target.startswith("//") and "\\" not in target
    return target if ok else default


@router.get("/units")
async def unit_list(request: Request, me: Admin, q: Annotated[str, Query(max_length=64)] = "",
                    active: Active = "", cursor: Cursor = None) -> Response:
    page = await units.list_units(admin(me), q=q or None, active=flag(active), cursor=cursor)
    return _render(request, me, "admin/units.html", {
        "page": page, "q": q, "active": active, "kinds": UNIT_KINDS,
        "units": await units_in_scope(me.principal.unit_path or ""),
        **pages(request, page["next_cursor"]),
    })


@router.post("/units")
async def unit_create(me: Admin, form: Annotated[UnitForm, Form()]) -> Response:
    await units.create_unit(admin(me), code=form.code.strip(), name=form.name.strip(),
                            region_code=form.region_code.strip(), parent_id=form.parent_id,
                            email=form.email.strip() or None, kind=form.kind)
    return after(f"{HOME}/units", "unit_created")


@router.post("/units/{unit_id}/active")
async def unit_active(unit_id: Id, me: Admin, form: Annotated[ActiveForm, Form()]) -> Response:
    await units.update_unit(admin(me), unit_id, {"active": form.active == "1"})
    return after(back_to(form.back, f"{HOME}/units"), "unit_updated")


# -- staff -----------------------------------------------------------------------------------
ROLES = [r.value for r in StaffRole]


class StaffForm(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field(default="", max_length=64)
    password: str = Field(min_length=1, max_length=256)
    roles: list[Literal[tuple(ROLES)]] = Field(min_length=1)  # type: ignore[valid-type]
    unit_id: int = Field(ge=1)
    phone: str = Field(default="", max_length=20)


class PasswordForm(BaseModel):
    password: str = Field(min_length=1, max_length=256)


def _staff_filters(q: str, role: str, active: str, unit_id: int | None) -> dict[str, Any]:
    return {"q": q or None, "role": role or None, "active": flag(active), "unit_id": unit_id}


@router.get("/staff")
async def staff_list(
    request: Request, me: Admin, q: Annotated[str, Query(max_length=64)] = "",
    role: Literal[tuple(ROLES + [""])] = "",  # type: ignore[valid-type]
    active: Active = "", unit_id: Annotated[int | None, Query(ge=1)] = None,
    cursor: Cursor = None,
) -> Response:
    page = await staff_admin.list_staff(admin(me), **_staff_filters(q, role, active, unit_id),
                                        cursor=cursor)
    return _render(request, me, "admin/staff.html", {
        "page": page, "q": q, "role": role, "active": active, "roles": ROLES,
        "units": await units_in_scope(me.principal.unit_path or ""),
        "csv": f"{HOME}/staff.csv?{request.url.query}",
        **pages(request, page["next_cursor"]),
    })


@router.get("/staff.csv")
async def staff_csv(
    me: Admin, q: Annotated[str, Query(max_length=64)] = "",
    role: Literal[tuple(ROLES + [""])] = "",  # type: ignore[valid-type]
    active: Active = "", unit_id: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The accounts of the list's filters (every page), phones masked as the list shows them."""
    buf = io.StringIO()
    buf.write("\ufeff")
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(["id", "username", "display_name", "roles", "unit", "phone", "active",
                  "must_change_password", "created_at"])
    cursor = None
    while True:
        page = await staff_admin.list_staff(admin(me), **_staff_filters(q, role, active,
                                                                         unit_id),
                                            limit=100, cursor=cursor)
        for s in page["items"]:
            out.writerow([cell(v) for v in (
                s["id"], s["username"], s["display_name"], " ".join(s["roles"]),
                s["unit"]["name"], s["phone"] or "", s["active"], s["must_change_password"],
                s["created_at"])])
        cursor = page["next_cursor"]
        if not cursor:
            break
    return download(csv_download(buf.getvalue(), "staff.csv"))


@router.post("/staff")
async def staff_create(me: Admin, form: Annotated[StaffForm, Form()]) -> Response:
    await staff_admin.create_staff(
        admin(me), username=form.username.strip(), password=form.password,
        roles=list(form.roles), unit_id=form.unit_id, phone=form.phone.strip() or None,
        display_name=form.display_name.strip() or None)
    return after(f"{HOME}/staff", "staff_created")


@router.post("/staff/{staff_id}/active")
async def staff_active(staff_id: Id, me: Admin, form: Annotated[ActiveForm, Form()]) -> Response:
    on = form.active == "1"
    await staff_admin.update_staff(admin(me), staff_id, {"active": on})
    return after(back_to(form.back, f"{HOME}/staff"), "staff_updated" if on else "staff_off")


@router.post("/staff/{staff_id}/password")
async def staff_password(staff_id: Id, me: Admin,
                         form: Annotated[PasswordForm, Form()]) -> Response:
    await staff_admin.reset_password(admin(me), staff_id, form.password)
    return after(f"{HOME}/staff", "password_reset")


# -- kiosks ----------------------------------------------------------------------------------
class KioskForm(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    unit_id: int = Field(ge=1)


@router.get("/kiosks")
async def kiosk_list(request: Request, me: Admin, active: Active = "",
                     cursor: Cursor = None) -> Response:
    page = await devices.list_devices(admin(me), active=flag(active), cursor=cursor)
    return _render(request, me, "admin/kiosks.html", {
        "page": page, "active": active, "created": None,
        "units": await units_in_scope(me.principal.unit_path or ""),
        **pages(request, page["next_cursor"]),
    })


@router.post("/kiosks")
async def kiosk_create(request: Request, me: Admin,
                       form: Annotated[KioskForm, Form()]) -> Response:
    """The key is shown on this page once (never stored in clear, never shown again)."""
    device, key = await devices.register(admin(me), form.name.strip(), form.unit_id)
    page = await devices.list_devices(admin(me))
    return _render(request, me, "admin/kiosks.html", {
        "page": page, "active": "", "created": device | {"key": key},
        "units": await units_in_scope(me.principal.unit_path or ""), "next": None,
        "first_page": f"{HOME}/kiosks",
    })


@router.post("/kiosks/{device_id}/revoke")
async def kiosk_revoke(device_id: Id, me: Admin) -> Response:
    await devices.revoke(admin(me), device_id)
    return after(f"{HOME}/kiosks", "kiosk_revoked")
