"""Reference data: categories (public) and units (staff scope)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from app_api.deps import staff
from app_api.schemas.reference import CategoryOut, UnitOut
from casework import reference
from identity.principal import Principal

router = APIRouter(tags=["reference"])


# GET /categories: mounted by app_api.app on the app itself, ahead of the included routers
# (see app_api.routers.cases). The reply is the cached JSON
# (casework.reference.category_list_json), sent as it is: a Response is never re-validated,
# so the model documents it without costing each request.
CATEGORIES_ROUTE: dict[str, Any] = {
    "methods": ["GET"], "tags": ["reference"], "response_model": list[CategoryOut],
}


async def categories() -> Response:
    """Every active category: what kinds of case it accepts, and whether reports are rewarded."""
    return Response(await reference.category_list_json(), media_type="application/json")


@router.get("/staff/units", response_model=list[UnitOut])
async def units(who: Principal = Depends(staff)) -> list[dict[str, Any]]:
    """The units in the caller's scope (their unit's subtree), in tree order."""
    return await reference.units_in_scope(who.unit_path or "\x00")
