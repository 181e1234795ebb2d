"""The administrator's desk, reference data: categories, routing rules and the working
calendar, through ``organisation.categories``, ``organisation.routing_rules`` and
``casework.calendar_store``. Categories and the calendar are province-wide: changed by the root
unit's administrators only (the same check as the API's)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from casework import calendar_store
from casework.reference import categories as all_categories
from casework.reference import units_in_scope
from console.desks.admin import (
    HOME,
    Active,
    ActiveForm,
    Admin,
    Cursor,
    Id,
    _render,
    admin,
    back_to,
)
from console.desks.common import after, flag, pages
from hotline.errors import ValidationProblem
from hotline.timefmt import SHANGHAI
from organisation import categories, routing_rules
from organisation.scope import is_root_admin, require_root_admin

router = APIRouter(prefix="/admin")
KIND_WORDS = {"consultation": "咨询", "help": "求助", "complaint": "投诉", "report": "举报",
              "suggestion": "建议", "praise": "表扬"}
PROCEDURES = {"simple": "简易程序", "normal": "普通程序", "petition": "信访程序"}
Year = Annotated[int, Path(ge=2000, le=2100)]


class CategoryForm(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)
    kinds: list[Literal[tuple(KIND_WORDS)]] = Field(min_length=1)  # type: ignore[valid-type]
    parent_code: str = Field(default="", max_length=32)
    rewardable: Literal["1", ""] = ""
    default_procedure: Literal["simple", "normal", "petition"] = "normal"


@router.get("/categories")
async def category_list(request: Request, me: Admin,
                        q: Annotated[str, Query(max_length=64)] = "", active: Active = "",
                        cursor: Cursor = None) -> Response:
    admin(me)
    page = await categories.list_categories(q=q or None, active=flag(active), cursor=cursor)
    return _render(request, me, "admin/categories.html", {
        "page": page, "q": q, "active": active, "kinds": KIND_WORDS,
        "procedures": PROCEDURES, "root": is_root_admin(me.principal),
        "parents": [c for c in (await all_categories()).values() if not c.parent_code],
        **pages(request, page["next_cursor"]),
    })


@router.post("/categories")
async def category_create(me: Admin, form: Annotated[CategoryForm, Form()]) -> Response:
    require_root_admin(me.principal)
    await categories.create_category(me.principal, categories.CategoryIn(
        code=form.code.strip(), name=form.name.strip(), kinds=list(form.kinds),
        rewardable=form.rewardable == "1", parent_code=form.parent_code or None,
        default_procedure=form.default_procedure))
    return after(f"{HOME}/categories", "category_created")


@router.post("/categories/{code}/active")
async def category_active(me: Admin, code: Annotated[str, Path(max_length=32)],
                          form: Annotated[ActiveForm, Form()]) -> Response:
    require_root_admin(me.principal)
    await categories.update_category(me.principal, code, {"active": form.active == "1"})
    return after(back_to(form.back, f"{HOME}/categories"), "category_updated")


# -- routing rules ---------------------------------------------------------------------------
class RuleForm(BaseModel):
    category_code: str = Field(min_length=1, max_length=32)
    region_code: str = Field(min_length=1, max_length=12)
    unit_id: int = Field(ge=1)


@router.get("/rules")
async def rule_list(request: Request, me: Admin,
                    category_code: Annotated[str, Query(max_length=32)] = "",
                    region_code: Annotated[str, Query(max_length=12)] = "",
                    cursor: Cursor = None) -> Response:
    page = await routing_rules.list_rules(admin(me), category_code=category_code or None,
                                          region_code=region_code or None, cursor=cursor)
    cats = await all_categories()
    return _render(request, me, "admin/rules.html", {
        "page": page, "category_code": category_code, "region_code": region_code,
        "categories": [c for c in cats.values() if c.leaf and c.active], "names": cats,
        "units": await units_in_scope(me.principal.unit_path or ""),
        **pages(request, page["next_cursor"]),
    })


@router.post("/rules")
async def rule_create(me: Admin, form: Annotated[RuleForm, Form()]) -> Response:
    await routing_rules.create_rule(admin(me), form.category_code, form.region_code.strip(),
                                    form.unit_id)
    return after(f"{HOME}/rules", "rule_created")


@router.post("/rules/{rule_id}/delete")
async def rule_delete(rule_id: Id, me: Admin) -> Response:
    await routing_rules.delete_rule(admin(me), rule_id)
    return after(f"{HOME}/rules", "rule_deleted")


# -- the working calendar --------------------------------------------------------------------
class CalendarForm(BaseModel):
    days: str = Field(min_length=1, max_length=20_000)


def parse_days(text: str) -> list[tuple[str, bool, str]]:
    """One day a line, as the State Council's notice lists them: ``2027-01-01 休 元旦`` (a
    holiday) or ``2027-02-07 班 春节调休`` (a weekend make-up working day)."""
    days = []
    for n, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 2 or parts[1] not in ("休", "班"):
            raise ValidationProblem(
                f"第 {n} 行格式不正确：应为“日期 休/班 名称”，例如 2027-01-01 休 元旦",
                code="invalid_line")
        days.append((parts[0], parts[1] == "班", " ".join(parts[2:])))
    if not days:
        raise ValidationProblem("请至少填写一天", code="no_holidays")
    return days


@router.get("/calendar")
async def calendar_redirect(me: Admin) -> Response:
    admin(me)
    return RedirectResponse(f"{HOME}/calendar/{datetime.now(SHANGHAI).year + 1}", 303)


@router.get("/calendar/{year}")
async def calendar_year(request: Request, me: Admin, year: Year) -> Response:
    admin(me)
    view = await calendar_store.year_view(year)
    text = "\n".join(f"{d['date']} {'班' if d['working'] else '休'} {d['name'] or ''}".rstrip()
                     for d in view["days"])
    return _render(request, me, "admin/calendar.html", {
        "view": view, "year": year, "text": text, "root": is_root_admin(me.principal),
        "result": None,
    })


@router.post("/calendar/{year}")
async def calendar_import(request: Request, me: Admin, year: Year,
                          form: Annotated[CalendarForm, Form()]) -> Response:
    require_root_admin(me.principal)
    result = await calendar_store.import_year(me.principal, year, parse_days(form.days))
    view = await calendar_store.year_view(year)
    return _render(request, me, "admin/calendar.html", {
        "view": view, "year": year, "text": form.days, "root": True, "result": result,
    })
