"""Reference data: categories (public) and units (staff scope)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from app_api.deps import staff
from app_api.schemas.reference import CategoryOut, UnitOut
from casework import reference
from identity.principal import Principal

router = APIRouter(tags=["reference"])


@router.get("/categories", response_model=list[CategoryOut])
async def categories() -> list[dict[str, Any]]:
    """Every active category: what kinds of case it accepts, and whether reports are rewarded."""
    return await reference.category_list()


@router.get("/staff/units", response_model=list[UnitOut])
async def units(who: Principal = Depends(staff)) -> list[dict[str, Any]]:
    """The units in the caller's scope (their unit's subtree), in tree order."""
    return await reference.units_in_scope(who.unit_path or "\x00")
