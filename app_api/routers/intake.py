"""12345 operators record calls, letters and visits."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from app_api.deps import idempotency_key, require_roles, staff
from app_api.responses import JSON
from app_api.schemas import IntakeCaseIn
from app_api.schemas.cases import CaseOut
from app_api.schemas.problem import problems
from casework import intake
from identity.principal import Principal

router = APIRouter(prefix="/intake", tags=["intake"])


@router.post("/cases", status_code=201, response_model=CaseOut, responses=problems(403, 409))
async def record_case(
    body: IntakeCaseIn,
    request: Request,
    who: Principal = Depends(staff),
    key: str | None = Depends(idempotency_key),
) -> JSON:
    """An operator records a call, letter or visit (roles operator, admin); the reply is the
    case with its query code, to read out to the caller. ``Idempotency-Key`` is honoured."""
    require_roles(who, "operator", "admin")
    contact = body.citizen
    sub = body.to_submission(body.channel, contact_name=contact.name if contact else None)
    if contact and contact.phone and not sub.contact_phone:
        sub.contact_phone = contact.phone
    fingerprint = (
        intake.request_fingerprint(request.url.path, body.fingerprint_body()) if key else ""
    )
    status, reply = await intake.submit(who, sub, idempotency_key=key, fingerprint=fingerprint)
    return JSON(reply, status_code=status)
