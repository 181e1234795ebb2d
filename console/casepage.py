"""What the case page shows (console/desks/handler.py renders it): the case as the person may
see it (``casework.queries.read_case``: masking as in the API), the forms the transition table
allows now, and what those forms need (units and the routing suggestion to dispatch, similar
cases to merge with)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from casework import queries, reference, routing, similar
from casework.transitions import EVENT_LABELS
from console.actions import shown_actions
from identity.principal import Principal

MAP_URL = "https://uri.amap.com/marker?position={lng},{lat}&name={name}&coordinate=wgs84"


def map_link(location: dict[str, Any] | None) -> str | None:
    """A link to a map service at the case's place (a URL only: no tiles are loaded)."""
    if not location or location.get("lat") is None or location.get("lng") is None:
        return None
    name = quote(str(location.get("address") or "诉求位置"))
    return MAP_URL.format(lng=location["lng"], lat=location["lat"], name=name)


async def context(who: Principal, tracking_no: str) -> dict[str, Any]:
    case = await queries.read_case(who, tracking_no)
    actions = shown_actions(who, case["status"])
    ctx: dict[str, Any] = {
        "case": case, "actions": actions, "map_url": map_link(case["location"]),
        "reward_claim": "reward_claim" in (case.get("flags") or []),
        "labels": EVENT_LABELS,
    }
    if "dispatch" in actions:
        ctx |= await dispatch_choices(who, case)
    if "merge" in actions:
        found = await similar.similar(
            category_code=case["category_code"],
            lat=(case["location"] or {}).get("lat"), lng=(case["location"] or {}).get("lng"),
            q=case["title"] or case["content"][:60],
        )
        ctx["similar"] = [s for s in found["items"] if s["tracking_no"] != case["tracking_no"]]
    return ctx


async def dispatch_choices(who: Principal, case: dict[str, Any]) -> dict[str, Any]:
    """The units a dispatcher may pick, the suggested one, and the category's procedure."""
    units = await reference.units_in_scope(who.unit_path or "")
    region = (case["location"] or {}).get("region_code")
    suggested = await routing.suggest_unit(case["category_code"], region)
    info = (await reference.categories()).get(case["category_code"])
    procedure = getattr(info, "default_procedure", None) or "normal"
    return {"units": units, "suggested_unit_id": suggested.id if suggested else None,
            "default_procedure": procedure}
