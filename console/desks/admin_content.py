"""The administrator's desk, content and trail: knowledge items (draft, publish, unpublish; roles
``admin`` and ``kb_editor``, as the API's ``/admin/kb``) through ``knowledge.items``, and the
audit log viewer with its CSV through ``audit.queries``."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app_api.responses import csv_download
from audit import queries as audit_queries
from console.desks.admin import HOME, Admin, Cursor, Id, _render
from console.desks.common import after, download, pages
from console.session import require_role
from hotline.errors import ValidationProblem
from hotline.timefmt import SHANGHAI
from identity.web_sessions import WebSession
from knowledge import items
from models.knowledge import KbState

router = APIRouter(prefix="/admin")
Editor = Annotated[WebSession, Depends(require_role("kb_editor"))]  # admins too
KB_KINDS = {"service": "办事指南", "faq": "常见问题", "policy": "政策文件"}
KB_STATES = {"draft": "草稿", "published": "已发布", "archived": "已归档"}


class KbForm(BaseModel):
    kind: Literal["service", "faq", "policy"]
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20_000)
    department: str = Field(default="", max_length=128)
    publish: Literal["1", ""] = ""


@router.get("/kb")
async def kb_list(
    request: Request, me: Editor, q: Annotated[str, Query(max_length=100)] = "",
    state: Literal["draft", "published", "archived", ""] = "",
    kind: Literal["service", "faq", "policy", ""] = "", cursor: Cursor = None,
) -> Response:
    page = await items.list_items(q=q or None, state=state or None, kind=kind or None,
                                  cursor=cursor)
    return _render(request, me, "admin/kb.html", {
        "page": page, "q": q, "state": state, "kind": kind, "kinds": KB_KINDS,
        "states": KB_STATES, **pages(request, page["next_cursor"]),
    })


@router.post("/kb")
async def kb_create(me: Editor, form: Annotated[KbForm, Form()]) -> Response:
    data = {"kind": form.kind, "title": form.title.strip(), "body": form.body}
    if form.department.strip():
        data["department"] = form.department.strip()
    await items.create_item(me.principal, data, draft=form.publish != "1")
    return after(f"{HOME}/kb", "kb_published" if form.publish == "1" else "kb_created")


@router.post("/kb/{item_id}/publish")
async def kb_publish(item_id: Id, me: Editor) -> Response:
    await items.set_state(me.principal, item_id, KbState.published, "publish")
    return after(f"{HOME}/kb", "kb_published")


@router.post("/kb/{item_id}/unpublish")
async def kb_unpublish(item_id: Id, me: Editor) -> Response:
    await items.set_state(me.principal, item_id, KbState.draft, "unpublish")
    return after(f"{HOME}/kb", "kb_unpublished")


# -- the audit log ---------------------------------------------------------------------------
def _day(value: str, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationProblem(f"{label}格式应为 YYYY-MM-DD", code="invalid_date") from None


def _filter(
    actor: Annotated[str, Query(max_length=64)] = "",
    action: Annotated[str, Query(max_length=48)] = "",
    target: Annotated[str, Query(max_length=128)] = "",
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: Annotated[str, Query(max_length=10)] = "",
) -> audit_queries.AuditFilter:
    return audit_queries.AuditFilter(
        actor=actor or None, action=action or None, target=target or None,
        start=_day(from_, "起始日期"), end=_day(to, "截止日期"))


Filter = Annotated[audit_queries.AuditFilter, Depends(_filter)]


@router.get("/audit")
async def audit_log(request: Request, me: Admin, f: Filter, cursor: Cursor = None) -> Response:
    page = await audit_queries.page(me.principal, f, limit=50, cursor=cursor)
    for e in page["items"]:
        for key in ("before", "after"):
            e[f"{key}_text"] = json.dumps(e[key], ensure_ascii=False) if e[key] else ""
    return _render(request, me, "admin/audit.html", {
        "page": page, "f": f, "csv": f"{HOME}/audit.csv?{request.url.query}",
        **pages(request, page["next_cursor"]),
    })


@router.get("/audit.csv")
async def audit_csv(me: Admin, f: Filter) -> Response:
    chunks = await audit_queries.csv_chunks(me.principal, f)
    return download(csv_download(chunks, f"audit-{datetime.now(SHANGHAI):%Y%m%d-%H%M%S}.csv"))
