"""Citizen and staff sign-in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from app_api.deps import client_ip, staff_any_password
from app_api.schemas import PhoneIn, RefreshIn, SmsLoginIn, StaffLoginIn
from app_api.schemas.admin_org import StaffPasswordIn
from app_api.schemas.auth import CitizenLoginOut, CodeSentOut, StaffLoginOut, TokenPairOut
from app_api.schemas.problem import problems
from identity import citizens, staff, staff_admin, tokens
from identity.principal import Principal

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/sms-code", status_code=202, response_model=CodeSentOut, responses=problems(429)
)
async def sms_code(body: PhoneIn, request: Request) -> dict[str, Any]:
    """Send a 6-digit login code by SMS (valid 5 minutes; throttled per phone and per IP)."""
    await citizens.request_login_code(body.phone, client_ip(request))
    return {"sent": True, "expires_in": 300}


@router.post("/sms-login", response_model=CitizenLoginOut, responses=problems(401, 429))
async def sms_login(body: SmsLoginIn) -> dict[str, Any]:
    """Exchange the phone and its code for tokens (the citizen is created on first sign-in)."""
    return await citizens.sms_login(body.phone, body.code)


@router.post("/refresh", response_model=TokenPairOut, responses=problems(401))
async def refresh(body: RefreshIn) -> dict[str, Any]:
    """Spend a refresh token (once) for a new pair."""
    subject, extra = await tokens.rotate(body.refresh_token)
    return await tokens.issue_pair(subject, extra)


@router.post("/staff-login", response_model=StaffLoginOut, responses=problems(401, 429))
async def staff_login(body: StaffLoginIn, request: Request) -> dict[str, Any]:
    """Staff sign-in with username and password; the reply names roles and unit. Failures
    lock the username and the client IP for a while (429 with Retry-After)."""
    return await staff.staff_login(body.username, body.password, client_ip(request))


@router.post("/staff-password", response_model=StaffLoginOut, responses=problems(403, 409, 429),
             summary="修改本人密码")
async def staff_password(
    body: StaffPasswordIn, request: Request, who: Principal = Depends(staff_any_password)
) -> dict[str, Any]:
    """The signed-in staff member changes the password (the one call allowed while
    ``must_change_password`` is set): the old one must be right (422 wrong_password), the new
    one strong (422 weak_password) and different (422 same_password). Every other session ends;
    the reply is a fresh sign-in."""
    await staff_admin.change_own_password(who, body.old_password, body.new_password)
    return await staff.session_of(who.id)
