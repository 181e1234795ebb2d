"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter

from app_api.responses import JSON
from hotline import db

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz() -> JSON:
    try:
        pending = await db.pending_migrations()
    except Exception as exc:  # database unreachable
        return JSON({"status": "unavailable", "detail": str(exc)[:200]}, status_code=503)
    if pending:
        return JSON({"status": "migrations_pending", "pending": pending}, status_code=503)
    return JSON({"status": "ready"})
