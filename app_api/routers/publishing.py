"""Consent to publication (the citizen) and review, publishing, unpublishing (publishers)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from app_api.deps import citizen, staff
from app_api.schemas.cases import CaseOut
from app_api.schemas.inputs import TrackingNo
from app_api.schemas.problem import problems
from app_api.schemas.publishing import (
    ConsentIn,
    PublishedOut,
    PublishIn,
    ReviewOut,
    UnpublishedOut,
)
from casework import queries
from identity.principal import Principal
from publishing import service

router = APIRouter(tags=["publishing"])


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
