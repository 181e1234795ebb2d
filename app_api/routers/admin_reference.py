"""Categories, routing rules, the working calendar and reward programmes.

Reading: any administrator (routing rules: those of its subtree). Writing categories and the
calendar, which the whole province shares: the root unit's administrators. Routing rules: an
administrator within its subtree and region. Programmes: role ``reward_admin``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from app_api.deps import require_roles, staff
from app_api.schemas.admin_reference import (
    AdminCategoryOut,
    CalendarImportOut,
    CalendarIn,
    CalendarYearOut,
    CategoryIn,
    CategoryPageOut,
    CategoryPatchIn,
    ProgramPatchIn,
    RoutingRuleIn,
    RoutingRuleOut,
    RoutingRulePageOut,
)
from app_api.schemas.inputs import CursorQuery, Id, IdQuery, LineQuery
from app_api.schemas.problem import problems
from app_api.schemas.rewards import AdminProgramOut
from casework import calendar_store
from identity.principal import Principal
from organisation import categories, routing_rules
from organisation.scope import require_admin, require_root_admin
from rewards import programs

router = APIRouter(tags=["admin"])

Limit = Annotated[int, Query(ge=1, le=100, description="每页条数（默认 20，最多 100）")]
Year = Annotated[int, Path(ge=2000, le=2100, description="年份（2000–2100）")]
CategoryCode = Annotated[str, Path(min_length=1, max_length=32, description="类别代码")]


def admin(who: Principal = Depends(staff)) -> Principal:
    require_admin(who)
    return who


def root_admin(who: Principal = Depends(staff)) -> Principal:
    require_root_admin(who)
    return who


def reward_admin(who: Principal = Depends(staff)) -> Principal:
    require_roles(who, "reward_admin")
    return who


@router.get("/admin/categories", response_model=CategoryPageOut, responses=problems(403))
async def list_categories(
    _: Principal = Depends(admin),
    q: LineQuery = None,
    parent_code: LineQuery = None,
    active: bool | None = None,
    limit: Limit = 20,
    cursor: CursorQuery = None,
) -> dict[str, Any]:
    """Categories in tree order, filtered by code or name (``q``), parent and ``active``."""
    return await categories.list_categories(
        q=q, parent_code=parent_code, active=active, limit=limit, cursor=cursor
    )


@router.post("/admin/categories", status_code=201, response_model=AdminCategoryOut,
             responses=problems(403, 409, 422))
async def create_category(
    body: CategoryIn, who: Principal = Depends(root_admin)
) -> dict[str, Any]:
    """A new category (root unit's administrators). Duplicate code 409; unknown parent 422."""
    return await categories.create_category(who, categories.CategoryIn(**body.model_dump()))


@router.patch("/admin/categories/{code}", response_model=AdminCategoryOut,
              responses=problems(403, 404, 422))
async def update_category(
    code: CategoryCode, body: CategoryPatchIn, who: Principal = Depends(root_admin)
) -> dict[str, Any]:
    """Rename, move (a parent making a cycle is 422 ``parent_cycle``), (de)activate…"""
    return await categories.update_category(who, code, body.changes())


@router.get("/admin/routing-rules", response_model=RoutingRulePageOut, responses=problems(403))
async def list_routing_rules(
    who: Principal = Depends(admin),
    category_code: LineQuery = None,
    region_code: LineQuery = None,
    unit_id: IdQuery = None,
    limit: Limit = 20,
    cursor: CursorQuery = None,
) -> dict[str, Any]:
    """The rules whose unit is in the caller's subtree."""
    return await routing_rules.list_rules(
        who, category_code=category_code, region_code=region_code, unit_id=unit_id,
        limit=limit, cursor=cursor,
    )


@router.post("/admin/routing-rules", status_code=201, response_model=RoutingRuleOut,
             responses=problems(403, 409, 422))
async def create_routing_rule(
    body: RoutingRuleIn, who: Principal = Depends(admin)
) -> dict[str, Any]:
    """Route a category in a region (and below it) to a unit; one rule per category×region."""
    return await routing_rules.create_rule(who, body.category_code, body.region_code,
                                           body.unit_id)


@router.delete("/admin/routing-rules/{id}", status_code=204, response_class=Response,
               responses=problems(403, 404))
async def delete_routing_rule(
    id: Annotated[Id, Path(description="路由规则 ID")], who: Principal = Depends(admin)
) -> Response:
    """Remove a rule of the caller's subtree."""
    await routing_rules.delete_rule(who, id)
    return Response(status_code=204)


@router.get("/admin/calendar/{year}", response_model=CalendarYearOut, responses=problems(403))
async def read_calendar(year: Year, _: Principal = Depends(admin)) -> dict[str, Any]:
    """A year's holidays and make-up working days as stored, and whether the year is known."""
    return await calendar_store.year_view(year)


@router.put("/admin/calendar/{year}", response_model=CalendarImportOut,
            responses=problems(403, 422))
async def import_calendar(
    year: Year, body: CalendarIn, who: Principal = Depends(root_admin)
) -> dict[str, Any]:
    """Replace a year's holidays and make-up working days (as ``hotline calendar import``),
    and recompute the provisional due times of open cases."""
    days = [(d.date, d.working, d.name) for d in body.days]
    return await calendar_store.import_year(who, year, days)


@router.patch("/admin/rewards/programs/{id}", response_model=AdminProgramOut,
              responses=problems(403, 404, 409, 422))
async def update_program(
    id: Annotated[Id, Path(description="奖励项目 ID")], body: ProgramPatchIn,
    who: Principal = Depends(reward_admin),
) -> dict[str, Any]:
    """Top up or cut the budget (never below what is committed), move the end, (de)activate."""
    return await programs.update_program(who, id, body.changes())
