"""Citizen and staff sign-in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from app_api.deps import client_ip
from app_api.schemas import PhoneIn, RefreshIn, SmsLoginIn, StaffLoginIn
from identity import citizens, staff, tokens

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/sms-code", status_code=202)
async def sms_code(body: PhoneIn, request: Request) -> dict[str, Any]:
    await citizens.request_login_code(body.phone, client_ip(request))
    return {"sent": True, "expires_in": 300}


@router.post("/sms-login")
async def sms_login(body: SmsLoginIn) -> dict[str, Any]:
    return await citizens.sms_login(body.phone, body.code)


@router.post("/refresh")
async def refresh(body: RefreshIn) -> dict[str, Any]:
    subject, extra = await tokens.rotate(body.refresh_token)
    return await tokens.issue_pair(subject, extra)


@router.post("/staff-login")
async def staff_login(body: StaffLoginIn, request: Request) -> dict[str, Any]:
    return await staff.staff_login(body.username, body.password, client_ip(request))
