"""The audit log (role admin, within the unit subtree)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse

from app_api.deps import staff
from app_api.responses import csv_doc, csv_download
from app_api.schemas.audit import AuditPageOut, AuditVerifyOut
from app_api.schemas.inputs import CursorQuery, Day, DayQuery, Line
from app_api.schemas.problem import problems
from audit import queries
from hotline.timefmt import SHANGHAI
from identity.principal import Principal

router = APIRouter(tags=["audit"])

Actor = Annotated[Line | None, Query(max_length=64, description="操作人（精确匹配）")]
Action = Annotated[
    Line | None,
    Query(max_length=48, description="操作，精确匹配；以“.”结尾时为前缀，例如 case."),
]
Target = Annotated[
    Line | None,
    Query(max_length=128, description="操作对象（精确匹配），例如 case:20261127-000123"),
]
From = Annotated[Day | None, Query(alias="from", description="起始日期（北京时间，含当日）")]


def _filter(
    actor: Actor = None, action: Action = None, target: Target = None,
    from_: From = None, to: DayQuery = None,
) -> queries.AuditFilter:
    return queries.AuditFilter(actor=actor, action=action, target=target, start=from_, end=to)


@router.get("/admin/audit", response_model=AuditPageOut, responses=problems(403))
async def audit_list(
    who: Principal = Depends(staff),
    f: queries.AuditFilter = Depends(_filter),
    limit: int = Query(default=50, ge=1, le=queries.MAX_LIMIT),
    cursor: CursorQuery = None,
) -> dict[str, Any]:
    """The audit log within the caller's unit subtree, newest first."""
    return await queries.page(who, f, limit=limit, cursor=cursor)


@router.get(
    "/admin/audit.csv",
    response_class=StreamingResponse,
    responses={**csv_doc("CSV（UTF-8）：按序号从旧到新的审计日志"), **problems(403)},
)
async def audit_csv(
    who: Principal = Depends(staff), f: queries.AuditFilter = Depends(_filter)
) -> Response:
    """The same entries as ``GET /admin/audit`` as CSV, oldest first, streamed."""
    chunks = await queries.csv_chunks(who, f)
    name = f"audit-{datetime.now(SHANGHAI):%Y%m%d-%H%M%S}.csv"
    return csv_download(chunks, name)


@router.get("/admin/audit/verify", response_model=AuditVerifyOut, responses=problems(403))
async def audit_verify(who: Principal = Depends(staff)) -> dict[str, Any]:
    """Recompute the whole hash chain (administrators of the root unit)."""
    return await queries.verify(who)
