"""Units, staff and kiosks (role admin, within the unit subtree)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["admin"])
