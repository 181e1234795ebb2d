"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter

from app_api.responses import JSON
from app_api.schemas.operations import HealthOut, ReadyOut
from hotline import db

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=HealthOut)
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
