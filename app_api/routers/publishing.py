"""Consent to publication (the citizen); review, publishing, unpublishing (publishers);
supervision notices (supervisors)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from app_api.deps import citizen, staff
from app_api.schemas.cases import CaseOut
from app_api.schemas.inputs import TrackingNo
from app_api.schemas.problem import problems
from app_api.schemas.publishing import (
    ConsentIn,
    NoticeIn,
    NoticeListOut,
    NoticeOut,
    PublishedOut,
    PublishIn,
    ReviewOut,
    UnpublishedOut,
)
from casework import queries
from identity.principal import Principal
from publishing import service, supervision

router = APIRouter(tags=["publishing"])
NoticeId = Annotated[int, Path(ge=1, le=2**62)]


@router.patch("/cases/{tracking_no}", response_model=CaseOut, responses=problems(401, 403, 404),
              summary="同意或撤回公开")
async def set_consent(tracking_no: TrackingNo, body: ConsentIn,
                      who: Principal = Depends(citizen)) -> dict[str, Any]:
    """提交人本人修改 `public`（同意经审核、脱敏后公开）；撤回同意时已公开的内容立即撤下。"""
    await service.set_consent(who, tracking_no, body.public)
    return await queries.read_case(who, tracking_no)


@router.get("/staff/cases/{no}/publication", response_model=ReviewOut,
            responses=problems(401, 403, 404), summary="公开审核：原文与脱敏稿对照")
async def review(no: TrackingNo, who: Principal = Depends(staff)) -> dict[str, Any]:
    """角色 publisher、supervisor：原文、脱敏草稿、照片和当前公开的内容。"""
    return await service.review(who, no)


@router.post("/staff/cases/{no}/publish", response_model=PublishedOut,
             responses=problems(401, 403, 404, 409, 422), summary="发布办理结果")
async def publish(no: TrackingNo, body: PublishIn,
                  who: Principal = Depends(staff)) -> dict[str, Any]:
    """角色 publisher、supervisor；市民已同意公开、且已答复或办结（answered、replied、rated、
    closed）的诉求。文本中仍识别出个人信息时 422 personal_data_in_text；再次发布即更新。"""
    return await service.publish(who, no, summary=body.summary, result=body.result,
                                 photo_ids=body.photo_ids)


@router.post("/staff/cases/{no}/unpublish", response_model=UnpublishedOut,
             responses=problems(401, 403, 404), summary="撤下公开")
async def unpublish(no: TrackingNo, who: Principal = Depends(staff)) -> dict[str, Any]:
    """角色 publisher、supervisor：立即从所有公开渠道撤下（未公开时同样返回）。"""
    return await service.unpublish(who, no)


@router.get("/staff/supervision-notices", response_model=NoticeListOut,
            responses=problems(401, 403), summary="督查通报")
async def notices(who: Principal = Depends(staff)) -> dict[str, Any]:
    """角色 supervisor：范围内单位的通报（最新 100 条）。"""
    return await supervision.staff_list(who)


@router.post("/staff/supervision-notices", response_model=NoticeOut, status_code=201,
             responses=problems(401, 403, 404, 422), summary="撰写督查通报")
async def create_notice(body: NoticeIn, who: Principal = Depends(staff)) -> dict[str, Any]:
    """角色 supervisor：关于范围内某单位的通报；标题和内容含个人信息时 422。"""
    return await supervision.create(who, unit_id=body.unit_id, title=body.title,
                                    text=body.text, tracking_nos=body.tracking_nos,
                                    publish=body.publish)


@router.post("/staff/supervision-notices/{notice_id}/publish", response_model=NoticeOut,
             responses=problems(401, 403, 404), summary="公开督查通报")
async def publish_notice(notice_id: NoticeId, who: Principal = Depends(staff)) -> dict[str, Any]:
    return await supervision.set_published(who, notice_id, True)


@router.post("/staff/supervision-notices/{notice_id}/unpublish", response_model=NoticeOut,
             responses=problems(401, 403, 404), summary="撤下督查通报")
async def unpublish_notice(notice_id: NoticeId,
                           who: Principal = Depends(staff)) -> dict[str, Any]:
    return await supervision.set_published(who, notice_id, False)
