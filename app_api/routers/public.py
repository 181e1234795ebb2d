"""Published results, no login: cases, feeds, supervision notices and monthly figures."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from app_api.schemas.inputs import CursorQuery, Day
from app_api.schemas.problem import problems
from app_api.schemas.publishing import (
    MonthlyOut,
    PublicCaseDetailOut,
    PublicCasePageOut,
    PublicNoticesOut,
)
from publishing import figures, public, supervision

router = APIRouter(prefix="/public", tags=["public"])

Code = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
ATOM_TYPE = "application/atom+xml; charset=utf-8"


@router.get("/cases", response_model=PublicCasePageOut, responses=problems(422),
            summary="公开的办理结果")
async def cases(
    category_code: Annotated[str | None, Query(max_length=32)] = None,
    region_code: Annotated[str | None, Query(max_length=12)] = None,
    status: Literal["open", "closed"] | None = None,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Day | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: CursorQuery = None,
) -> dict[str, Any]:
    """经市民同意、审核脱敏后公开的诉求，按提交时间倒序；`region_code` 含下级地区。"""
    return await public.page(category_code=category_code, region_code=region_code,
                             status=status, from_=from_, to=to, limit=limit, cursor=cursor)


@router.get("/cases/{public_id}", response_model=PublicCaseDetailOut, responses=problems(404),
            summary="一件公开诉求及其公开办理经过")
async def one(public_id: Annotated[str, Path(pattern=r"^[0-9a-f]{1,16}$")]) -> dict[str, Any]:
    """公开编号对应的诉求；撤下后为 404。"""
    return await public.one(public_id)


@router.get("/feeds/category/{code}.atom", response_class=Response,
            responses={200: {"content": {"application/atom+xml": {}}}, **problems(404)},
            summary="按类别的 Atom 订阅")
async def category_feed(code: Code) -> Response:
    """该类别最新 50 件公开诉求（Atom 1.0）。"""
    return Response(await public.category_feed(code), media_type=ATOM_TYPE)


@router.get("/feeds/region/{code}.atom", response_class=Response,
            responses={200: {"content": {"application/atom+xml": {}}}, **problems(404)},
            summary="按地区的 Atom 订阅")
async def region_feed(code: Code) -> Response:
    """该地区（含下级地区）最新 50 件公开诉求（Atom 1.0）。"""
    return Response(await public.region_feed(code), media_type=ATOM_TYPE)


@router.get("/supervision", response_model=PublicNoticesOut, summary="公开的督查通报")
async def notices() -> dict[str, Any]:
    """已公开的督办/督查通报，最新 50 条。"""
    return await supervision.public_list()


@router.get("/stats", response_model=MonthlyOut, responses=problems(422), summary="月度办理情况")
async def stats(month: Annotated[str, Query(max_length=7, description="YYYY-MM")]
                ) -> dict[str, Any]:
    """全省及各单位（含下级单位）当月受理、按时办结、超期办结、在办、办结率、按时办结率、
    满意率，以及来信来访网络和电话渠道的平均办理天数；与工作人员统计同一口径。"""
    return await figures.monthly(month)
