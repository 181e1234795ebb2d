"""Similar cases before filing, following a case ("me too"), and staff search."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse

from app_api.deps import citizen, principal, staff
from app_api.responses import csv_doc, csv_download
from app_api.schemas.actions import RatingIn
from app_api.schemas.inputs import CursorQuery, Day, DayQuery, IdQuery, Line, LineQuery, TrackingNo
from app_api.schemas.kb import PrecheckIn, PrecheckOut
from app_api.schemas.problem import problems
from app_api.schemas.search import (
    FollowerRatingOut,
    FollowingOut,
    FollowOut,
    SimilarOut,
    StaffSearchOut,
)
from casework import follow, precheck, similar, staff_search
from casework.transitions import STATES
from hotline.errors import Forbidden, ValidationProblem
from hotline.timefmt import SHANGHAI
from identity.principal import Principal
from models.case import Channel

router = APIRouter(tags=["search"])

QText = Annotated[Line | None, Query(max_length=4000, description="搜索词（任意文字）")]


@router.get("/cases/similar", response_model=SimilarOut, responses=problems(401, 403))
async def similar_cases(
    who: Principal = Depends(principal),
    category_code: LineQuery = None,
    lat: float | None = Query(default=None, ge=-90, le=90, description="纬度"),
    lng: float | None = Query(default=None, ge=-180, le=180, description="经度"),
    q: QText = None,
) -> dict[str, Any]:
    """提交前查看相似的未办结诉求：同类别 300 米内，或文字明显相近；不含诉求人信息。"""
    if who.kind not in ("citizen", "device"):
        raise Forbidden("仅限市民和自助终端")
    return await similar.similar(category_code=category_code, lat=lat, lng=lng, q=q)


@router.post("/cases/precheck", response_model=PrecheckOut, responses=problems(401, 403, 422))
async def precheck_case(body: PrecheckIn, who: Principal = Depends(principal)) -> dict[str, Any]:
    """提交前查询：咨询类先给出知识库答案，并列出相似的未办结诉求；是否仍提交由市民决定。"""
    if who.kind not in ("citizen", "device"):
        raise Forbidden("仅限市民和自助终端")
    loc = body.location
    return await precheck.precheck(
        who, kind=body.kind, category_code=body.category_code, title=body.title,
        content=body.content, lat=loc.lat if loc else None, lng=loc.lng if loc else None,
    )


@router.get("/cases/following", response_model=FollowingOut, responses=problems(401, 422))
async def following(
    who: Principal = Depends(citizen),
    limit: int = Query(default=20, ge=1, le=100),
    cursor: CursorQuery = None,
) -> dict[str, Any]:
    """我关注的诉求（最近关注的在前）。"""
    return await follow.following(who, limit, cursor)


@router.post(
    "/cases/{tracking_no}/follow", response_model=FollowOut, responses=problems(401, 404, 409)
)
async def follow_case(tracking_no: TrackingNo, who: Principal = Depends(citizen)) -> dict[str, Any]:
    """“我也遇到”：关注他人提交的诉求，接收办理进展并可评价；重复关注只算一次。"""
    _, reply = await follow.follow(who, tracking_no)
    return reply


@router.delete(
    "/cases/{tracking_no}/follow", response_model=FollowOut, responses=problems(401, 404)
)
async def unfollow_case(
    tracking_no: TrackingNo, who: Principal = Depends(citizen)
) -> dict[str, Any]:
    """取消关注。"""
    return await follow.unfollow(who, tracking_no)


@router.post(
    "/cases/{tracking_no}/follow/rating",
    response_model=FollowerRatingOut,
    status_code=201,
    responses=problems(401, 404, 409, 422),
)
async def follower_rating(
    tracking_no: TrackingNo, body: RatingIn, who: Principal = Depends(citizen)
) -> dict[str, Any]:
    """关注人评价本轮答复（每轮一次）：计入满意度统计，不改变诉求状态。"""
    return await follow.rate(who, tracking_no, body.score, body.comment)


def _filters(
    q: QText = None,
    phone: Annotated[Line | None, Query(max_length=32, description="联系电话")] = None,
    tracking_no: Annotated[Line | None, Query(max_length=32, description="受理编号")] = None,
    from_: Annotated[Day | None, Query(alias="from", description="起始日（含）")] = None,
    to: DayQuery = None,
    category_code: LineQuery = None,
    status: LineQuery = None,
    unit_id: IdQuery = None,
    channel: Channel | None = Query(default=None, description="渠道"),
) -> staff_search.Filters:
    if status is not None and status not in STATES:
        raise ValidationProblem(f"未知状态 {status!r}", code="unknown_status")
    return staff_search.Filters(
        q=q, phone=phone, tracking_no=tracking_no, from_=from_, to=to,
        category_code=category_code, status=status, unit_id=unit_id,
        channel=channel.value if channel else None,
    )


@router.get("/staff/search", response_model=StaffSearchOut, responses=problems(401, 403, 404))
async def search_cases(
    who: Principal = Depends(staff),
    f: staff_search.Filters = Depends(_filters),
    limit: int = Query(default=20, ge=1, le=staff_search.MAX_LIMIT),
    cursor: CursorQuery = None,
) -> dict[str, Any]:
    """在本单位范围内检索诉求：标题、内容、地址全文，编号精确，电话按查找哈希匹配。"""
    return await staff_search.search(who, f, limit=limit, cursor=cursor)


@router.get(
    "/staff/search.csv",
    response_class=StreamingResponse,
    responses={**csv_doc("CSV（UTF-8）：检索结果，联系人信息已脱敏"), **problems(401, 403, 404)},
)
async def search_csv(
    who: Principal = Depends(staff), f: staff_search.Filters = Depends(_filters)
) -> Response:
    """与 GET /staff/search 相同的条件，导出 CSV（至多 10000 行，新的在前）。"""
    chunks = await staff_search.csv_chunks(who, f)
    name = f"cases-{datetime.now(SHANGHAI):%Y%m%d-%H%M%S}.csv"
    return csv_download(chunks, name)
