"""Staff actions on a case: one endpoint per step of the transition table (API.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends

from app_api.deps import citizen, staff
from app_api.responses import JSON
from app_api.schemas.problem import problems
from app_api.schemas.staff import RoutingOut
from casework import lifecycle, queries, routing
from identity.principal import Principal

router = APIRouter(tags=["casework"])

Payload = dict[str, Any]


async def _act(who: Principal, no: str, action: str, body: Payload) -> dict[str, Any]:
    return await lifecycle.perform(who, no, action, body)


def _route(path: str, action: str, status: int = 200) -> None:
    async def endpoint(
        no: str, body: Payload = Body(default_factory=dict), who: Principal = Depends(staff)
    ) -> JSON:
        return JSON(await _act(who, no, action, body), status_code=status)

    endpoint.__name__ = f"case_{action}"
    router.add_api_route(
        f"/staff/cases/{{no}}/{path}", endpoint, methods=["POST"], name=action,
        summary=f"{action} (see the transition table)",
    )


for _path, _action in [
    ("answer", "answer"),
    ("dispatch", "dispatch"),
    ("sign", "sign"),
    ("return", "return"),
    ("transfer", "transfer"),
    ("notice", "notice"),
    ("reply", "reply"),
    ("extension", "extension"),
    ("extension/decision", "extension_decision"),
    ("supervise", "supervise"),
    ("callback", "callback"),
    ("verify", "verify"),
    ("merge", "merge"),
    ("reject", "reject"),
]:
    _route(_path, _action)


@router.get("/staff/cases/{no}/routing", response_model=RoutingOut, responses=problems(404))
async def suggested_unit(no: str, who: Principal = Depends(staff)) -> dict[str, Any]:
    case = await queries.read_case(who, no)
    region = (case.get("location") or {}).get("region_code")
    unit = await routing.suggest_unit(case["category_code"], region)
    return {"unit": {"id": unit.id, "code": unit.code, "name": unit.name} if unit else None}


@router.post("/cases/{no}/rating", status_code=201, tags=["cases"])
async def rate(
    no: str, body: Payload = Body(default_factory=dict), who: Principal = Depends(citizen)
) -> dict[str, Any]:
    return await lifecycle.perform(who, no, "rate", body)
