"""Staff queues (``GET /staff/cases``) and supervisors' statistics (``GET /staff/stats``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from app_api.deps import require_roles, staff
from app_api.lean import FastPathRoute, fast_path, plain_cursor, plain_limit, plain_query
from app_api.responses import JSON
from app_api.schemas.inputs import CursorQuery, Day, DayQuery, IdQuery, LineQuery
from app_api.schemas.problem import problems
from app_api.schemas.staff import QueuePageOut, StatsOut
from casework import queues, stats
from casework.transitions import STATES
from hotline.errors import ValidationProblem
from identity.principal import Principal
from models.case import CaseKind

router = APIRouter(tags=["staff"])

STATS_ROLES = ("supervisor", "admin")
LIGHTS: dict[str, queues.Light] = {"red": "red", "yellow": "yellow", "green": "green"}


async def _fast_staff_cases(request: Request) -> JSON | None:
    """Ordinary queue pages (a light or none, a limit, a cursor) without the dependency tree."""
    params = plain_query(request, frozenset({"light", "limit", "cursor"}))
    if params is None:
        return None
    light = LIGHTS.get(params.get("light", ""))
    limit = plain_limit(params, 20, queues.MAX_LIMIT)
    ok, cursor = plain_cursor(params)
    if limit is None or not ok or ("light" in params and light is None):
        return None
    who = await staff(request.headers.get("authorization"))
    return JSON(await queues.list_cases(who, light=light, limit=limit, cursor=cursor))


# mounted by app_api.app on the app itself, as a FastPathRoute (see app_api.routers.cases)
QUEUE_ROUTE: dict[str, Any] = {
    "route_class_override": FastPathRoute,
    "methods": ["GET"],
    "tags": ["staff"],
    "response_model": QueuePageOut,
    "responses": problems(403, 404),
}


@fast_path(_fast_staff_cases)
async def staff_cases(
    who: Principal = Depends(staff),
    light: Literal["red", "yellow", "green"] | None = Query(default=None),
    status: LineQuery = None,
    unit_id: IdQuery = None,
    kind: CaseKind | None = Query(default=None),
    overdue: bool | None = Query(default=None),
    limit: int = Query(default=20, ge=1, le=queues.MAX_LIMIT),
    cursor: CursorQuery = None,
) -> dict[str, Any]:
    """Cases in the caller's unit subtree: light queues by deadline, others newest first."""
    if status is not None and status not in STATES:
        raise ValidationProblem(f"未知状态 {status!r}", code="unknown_status")
    return await queues.list_cases(
        who,
        light=light,
        status=status,
        unit_id=unit_id,
        kind=kind.value if kind else None,
        overdue=overdue,
        limit=limit,
        cursor=cursor,
    )


@router.get("/staff/stats", response_model=StatsOut, responses=problems(403, 404))
async def staff_stats(
    who: Principal = Depends(staff),
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: DayQuery = None,
    unit_id: IdQuery = None,
) -> dict[str, Any]:
    """Received, completed, on time, handling days, satisfaction, returns, reopens, overdue."""
    require_roles(who, *STATS_ROLES)
    return await stats.compute(who, from_=from_, to=to, unit_id=unit_id)
