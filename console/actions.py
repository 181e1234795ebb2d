"""Case actions from console forms: the form becomes the API's body model (one validation),
then ``casework.lifecycle.perform`` runs the transition table. Every refusal becomes a Chinese
sentence for the page; a form the case has outgrown (stale) says so, never a 500."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from app_api.schemas.actions import ACTION_BODIES
from casework import lifecycle
from casework.transitions import BY_ACTION, STAFF_ACTIONS, allowed
from casework.views import STATUS_LABELS
from hotline.errors import Forbidden, InvalidTransition, NotFound, Problem
from identity.principal import Principal

# the actions the console has forms for (console/templates/actions/<action>.html); the case
# page shows those the table allows for the person's roles in the case's state, in this order
FORMS = ("sign", "dispatch", "answer", "notice", "reply", "extension", "transfer", "return",
         "merge", "reject")
LIST_FIELDS = frozenset({"co_unit_ids"})
INT_FIELDS = frozenset({"unit_id", "days", "kb_item_id", "co_unit_ids"})
FIELD_LABELS = {
    "content": "内容", "reason": "理由", "days": "延期天数", "unit_id": "承办单位",
    "procedure": "办理程序", "co_unit_ids": "协办单位", "into": "合并到的诉求编号",
    "verified": "是否查实", "severity": "严重程度", "fine": "罚款金额", "kb_item_id": "知识条目",
}


@dataclass(frozen=True)
class Result:
    ok: bool
    message: str
    status: int = 200


def shown_actions(principal: Principal, status: str) -> list[str]:
    """The forms this person may use on a case in ``status``: exactly what the table allows."""
    staff_actions = {t.action for t in STAFF_ACTIONS}
    return [a for a in FORMS if a in staff_actions and allowed(a, status, principal.roles)]


def _payload(action: str, form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in form:
        if name in ("csrf_token", "back"):
            continue
        if name in LIST_FIELDS:
            data[name] = [v for v in form.getlist(name) if isinstance(v, str) and v]
            continue
        value = form.get(name)
        if isinstance(value, str) and value.strip() != "":
            data[name] = value.strip() if name not in ("content", "reason") else value
    for name in INT_FIELDS & data.keys():
        data[name] = _ints(data[name])
    if "fine" in data:
        data["fine"] = _number(data["fine"])
    if action == "reply":
        data["public"] = "public" in data
        if "verified" in data:
            data["verified"] = data["verified"] == "yes"
    return data


def _ints(value: Any) -> Any:
    """Digits as a number (forms send text; the body models are strict); else as it was,
    for the model to refuse in the form's words."""
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() \
        and len(value) < 19 else value


def _number(value: str) -> Any:
    try:
        return float(value)
    except ValueError:
        return value


def _invalid(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first.get("loc") else ""
    label = FIELD_LABELS.get(field, field)
    if first["type"] in ("missing", "string_too_short"):
        return f"请填写{label}。"
    if first["type"] == "string_too_long":
        return f"{label}过长。"
    return f"{label}填写有误，请检查。"


async def run(principal: Principal, tracking_no: str, action: str, form: FormData) -> Result:
    if action not in FORMS:
        return Result(False, "不支持此操作。", 404)
    try:
        body = ACTION_BODIES[action].model_validate(_payload(action, form))
    except ValidationError as exc:
        return Result(False, _invalid(exc), 422)
    label = BY_ACTION[action].label
    try:
        case = await lifecycle.perform(
            principal, tracking_no, action,
            body.model_dump(mode="json", exclude_unset=True, exclude_none=True),
        )
    except InvalidTransition as exc:
        now = STATUS_LABELS.get(str(exc.extra.get("case_status", "")), "已变化")
        return Result(False, f"该诉求当前状态为“{now}”，已不能“{label}”（可能已由他人处理）。"
                             "页面已显示最新状态，请确认后再操作。", 409)
    except Forbidden:
        return Result(False, f"您的角色无权“{label}”。", 403)
    except NotFound:
        return Result(False, "未找到该诉求，或不在您的办理范围内。", 404)
    except Problem as exc:
        return Result(False, exc.detail, exc.status)
    return Result(True, done_message(action, case))


def done_message(action: str, case: dict[str, Any]) -> str:
    """What the page says after an action: done, the state now, and the next due time."""
    from console.views import bjtime

    status = STATUS_LABELS.get(case["status"], case["status"])
    text = f"已{BY_ACTION[action].label}。当前状态：{status}"
    if case.get("next_due_at"):
        text += f"，下一时限：{bjtime(case['next_due_at'])}"
    return text + "。"
