"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter

from app_api.responses import JSON
from app_api.schemas.operations import HealthOut, ReadyOut
from hotline import db

router = APIRouter(tags=["operations"])


# Documented through ``responses`` rather than ``response_model``: /healthz is the bare
# baseline of the intake benchmark (``intake_to_bare_ratio``), so its reply is built exactly
# as before (a response model would change its cost, and with it the ratio).
@router.get(
    "/healthz",
    response_model=None,
    responses={200: {"model": HealthOut, "description": "成功"}},
)
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=ReadyOut,
    responses={503: {"model": ReadyOut, "description": "数据库不可达或有未执行的迁移"}},
)
async def readyz() -> JSON:
    """Readiness: the database is reachable and every migration is applied (else 503)."""
    try:
        pending = await db.pending_migrations()
    except Exception as exc:  # database unreachable
        return JSON({"status": "unavailable", "detail": str(exc)[:200]}, status_code=503)
    if pending:
        return JSON({"status": "migrations_pending", "pending": pending}, status_code=503)
    return JSON({"status": "ready"})
