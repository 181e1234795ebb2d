"""Reference data: categories (public) and units (staff scope)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from app_api.deps import staff
from casework import reference
from identity.principal import Principal

router = APIRouter(tags=["reference"])


@router.get("/categories")
async def categories() -> list[dict[str, Any]]:
    return await reference.category_list()


@router.get("/staff/units")
async def units(who: Principal = Depends(staff)) -> list[dict[str, Any]]:
    return await reference.units_in_scope(who.unit_path or "\x00")
