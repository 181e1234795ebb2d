"""Staff queues (``GET /staff/cases``) and supervisors' statistics (``GET /staff/stats``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from app_api.deps import require_roles, staff
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


@router.get("/staff/cases", response_model=QueuePageOut, responses=problems(403, 404))
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
