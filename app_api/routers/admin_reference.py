"""Categories, routing rules, the working calendar and reward programmes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["admin"])
