"""Case actions: one route per staff action of the transition table, and the citizen's rating.

The staff routes are generated from ``casework.transitions.TRANSITIONS`` (path, roles, states)
with their bodies from ``app_api.schemas.actions`` (API.md's field names) and reply with the case.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel

from app_api.deps import citizen, staff
from app_api.schemas.actions import ACTION_BODIES, RatingIn
from app_api.schemas.cases import CaseOut
from app_api.schemas.inputs import TrackingNo
from app_api.schemas.problem import problems
from app_api.schemas.staff import RoutingOut
from casework import lifecycle, queries, routing
from casework.transitions import BY_ACTION, STAFF_ACTIONS, SUPERUSER_ROLES, Transition
from identity.principal import Principal

router = APIRouter(tags=["casework"])

ACTION_ERRORS = problems(400, 401, 403, 404, 409)


def payload(body: BaseModel) -> dict[str, Any]:
    """The fields the caller sent, as the step reads them."""
    return body.model_dump(mode="json", exclude_unset=True, exclude_none=True)


def _describe(t: Transition) -> str:
    roles = "、".join(t.roles + tuple(sorted(SUPERUSER_ROLES)))
    return (
        f"流转表中的“{t.label}”（{t.action}）。可执行的状态：{'、'.join(t.sources)}；"
        f"角色：{roles}。其他状态为 409 invalid_transition，其他角色为 403 forbidden。"
    )


def _action_route(t: Transition) -> None:
    model = ACTION_BODIES[t.action]  # a staff action without a body model fails here
    required = any(f.is_required() for f in model.model_fields.values())
    body = Body() if required else Body(default_factory=model)

    async def endpoint(no: str, body: BaseModel, who: Principal) -> dict[str, Any]:
        return await lifecycle.perform(who, no, t.action, payload(body))

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]  # read by FastAPI
        [
            inspect.Parameter("no", kind, annotation=TrackingNo),
            inspect.Parameter("body", kind, annotation=model, default=body),
            inspect.Parameter("who", kind, annotation=Principal, default=Depends(staff)),
        ]
    )
    endpoint.__name__ = f"case_{t.action}"
    router.add_api_route(
        f"/staff/cases/{{no}}/{t.path}",
        endpoint,
        methods=["POST"],
        name=t.action,
        summary=f"{t.label}（{t.action}）",
        description=_describe(t),
        response_model=CaseOut,
        responses=ACTION_ERRORS,
    )


for _t in STAFF_ACTIONS:
    _action_route(_t)


@router.get("/staff/cases/{no}/routing", response_model=RoutingOut, responses=problems(404))
async def suggested_unit(no: TrackingNo, who: Principal = Depends(staff)) -> dict[str, Any]:
    case = await queries.read_case(who, no)
    region = (case.get("location") or {}).get("region_code")
    unit = await routing.suggest_unit(case["category_code"], region)
    return {"unit": {"id": unit.id, "code": unit.code, "name": unit.name} if unit else None}


@router.post(
    "/cases/{no}/rating",
    status_code=201,
    tags=["cases"],
    summary=f"{BY_ACTION['rate'].label}（rate）",
    response_model=CaseOut,
    responses=ACTION_ERRORS,
)
async def rate(
    no: TrackingNo, body: RatingIn, who: Principal = Depends(citizen)
) -> dict[str, Any]:
    """诉求人评价答复，每轮答复一次：3–5 分办结，1–2 分进入核实（实名诉求人另有回访）。"""
    return await lifecycle.perform(who, no, "rate", payload(body))
