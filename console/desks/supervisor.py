"""The supervisor's desk: the dashboard, the lists behind it, the task queues and their actions
(督办, 核实, 回访, 延期审核), all through ``casework`` (``lifecycle.perform`` takes the action
the transition table allows, else a 409 page: a stale form never changes anything)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from casework import lifecycle, queues, reference, staff_search, tasks
from casework.transitions import STATES
from console import dashboard, templating
from console.desks.common import after, flag, message, pages
from console.session import require_role
from hotline.errors import ValidationProblem
from identity.web_sessions import WebSession

router = APIRouter(prefix="/supervisor")
Supervisor = Annotated[WebSession, Depends(require_role("supervisor"))]
HOME = "/console/supervisor"

DONE = {
    "supervise": "已督办，承办单位将收到督办通知。",
    "verify": "核实结果已记录。",
    "callback": "回访记录已保存。",
    "extension_decision": "延期审核结果已记录。",
}
TASK_TITLES = {"verification": "不满意核实", "callback": "回访", "extension": "延期审核"}


class NoteForm(BaseModel):
    note: str = Field(min_length=1, max_length=1000)
    back: str = HOME


class VerifyForm(NoteForm):
    outcome: Literal["upheld", "reopen"]


class CallbackForm(NoteForm):
    reached: Literal["1", "0"]
    satisfied: Literal["1", "0", ""] = ""


class DecisionForm(BaseModel):
    approve: Literal["1", "0"]
    back: str = HOME


def _back(target: str) -> str:
    return target if target.startswith(HOME) and not target.startswith("//") else HOME


@router.get("")
async def home(request: Request, me: Supervisor) -> Response:
    board = await dashboard.build(me.principal)
    counts = await tasks.open_counts(me.principal)
    return templating.render(request, "supervisor/dashboard.html", {
        "board": board, "counts": counts, "titles": TASK_TITLES,
    }, session=me)


@router.get("/figures")
async def figures(request: Request, me: Supervisor) -> Response:
    """The row of numbers, polled by the dashboard: lights change without a reload."""
    return templating.render(request, "supervisor/_figures.html", {
        "figures": await dashboard.figures(me.principal)}, session=me)


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationProblem(f"{name}格式应为 YYYY-MM-DD", code="invalid_date") from None


@router.get("/cases")
async def cases(
    request: Request, me: Supervisor,
    light: Literal["red", "yellow", "green", ""] = "",
    unit_id: Annotated[int | None, Query(ge=1)] = None,
    open: Literal["1", ""] = "",  # noqa: A002 (the query parameter's name)
    status: str = "", channel: str = "", category_code: str = "",
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: Annotated[str, Query(max_length=10)] = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The list behind a figure or a chart: by light, unit and status (the queue), or cases
    received in a period by channel or category (the staff search)."""
    if status and status not in STATES:
        raise ValidationProblem("未知状态", code="unknown_status")
    searching = bool(from_ or to or channel or category_code)
    if searching:
        page = await staff_search.search(me.principal, staff_search.Filters(
            from_=_day(from_, "起始日期"), to=_day(to, "截止日期"), channel=channel or None,
            category_code=category_code or None, status=status or None, unit_id=unit_id,
        ), cursor=cursor)
    else:
        page = await queues.list_cases(
            me.principal, light=light or None, unit_id=unit_id, status=status or None,
            open_only=bool(flag(open)), cursor=cursor)
    return templating.render(request, "supervisor/cases.html", {
        "page": page, "light": light, "filters": _describe(request),
        "categories": await reference.categories(),
        **pages(request, page["next_cursor"]),
        "back": str(request.url.path) + ("?" + request.url.query if request.url.query else ""),
        "done": message(request, DONE),
    }, session=me)


def _describe(request: Request) -> list[str]:
    q = request.query_params
    words = {"red": "已超期", "yellow": "即将超期", "green": "正常"}
    out = []
    if q.get("light") in words:
        out.append(f"亮灯：{words[q['light']]}")
    if q.get("open") == "1":
        out.append("在办")
    if q.get("unit_id"):
        out.append("指定单位（含下级）")
    if q.get("from") or q.get("to"):
        out.append(f"受理日期：{q.get('from', '')} 至 {q.get('to', '')}")
    for key, label in (("channel", "渠道"), ("category_code", "类别"), ("status", "状态")):
        if q.get(key):
            out.append(f"{label}：{q[key]}")
    return out


@router.get("/tasks/{kind}")
async def task_queue(
    request: Request, me: Supervisor, kind: tasks.TaskKind,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    page = await tasks.open_tasks(me.principal, kind, cursor=cursor)
    counts = await tasks.open_counts(me.principal)
    return templating.render(request, "supervisor/tasks.html", {
        "kind": kind, "page": page, "counts": counts, "titles": TASK_TITLES,
        **pages(request, page["next_cursor"]),
        "back": request.url.path, "done": message(request, DONE),
    }, session=me)


async def _act(me: WebSession, no: str, action: str, payload: dict[str, Any],
               back: str) -> Response:
    await lifecycle.perform(me.principal, no, action, payload)
    return after(_back(back), action)


@router.post("/cases/{no}/supervise")
async def supervise(no: str, me: Supervisor, form: Annotated[NoteForm, Form()]) -> Response:
    return await _act(me, no, "supervise", {"note": form.note}, form.back)


@router.post("/cases/{no}/verify")
async def verify(no: str, me: Supervisor, form: Annotated[VerifyForm, Form()]) -> Response:
    return await _act(me, no, "verify", {"outcome": form.outcome, "note": form.note}, form.back)


@router.post("/cases/{no}/callback")
async def callback(no: str, me: Supervisor, form: Annotated[CallbackForm, Form()]) -> Response:
    payload: dict[str, Any] = {"reached": form.reached == "1", "note": form.note}
    if form.satisfied:
        payload["satisfied"] = form.satisfied == "1"
    return await _act(me, no, "callback", payload, form.back)


@router.post("/cases/{no}/extension")
async def extension(no: str, me: Supervisor, form: Annotated[DecisionForm, Form()]) -> Response:
    return await _act(me, no, "extension_decision", {"approve": form.approve == "1"}, form.back)
