"""The dispatcher's desk: new cases with the routing suggestion pre-selected and one-click
dispatch; returned and transfer requests. Merging and rejecting are on the case page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from casework import queues, reference, routing
from console import templating
from console.session import require_role
from console.views import category_names
from identity.web_sessions import WebSession

router = APIRouter()
dispatcher = require_role("dispatcher")

TABS = {"new": ("新诉求", ("submitted",)), "back": ("退回 · 申请改派", ("returned",
                                                                    "transfer_requested"))}


@router.get("/dispatch")
async def dispatch_page(request: Request, tab: str = "new", done: str = "",
                        me: WebSession = Depends(dispatcher)) -> Response:
    tab = tab if tab in TABS else "new"
    rows = []
    for status in TABS[tab][1]:
        rows += (await queues.list_cases(me.principal, status=status, limit=50))["items"]
    rows.sort(key=lambda r: (r["next_due_at"] or "9", r["tracking_no"]))
    suggested = await routing.suggestions([r["tracking_no"] for r in rows])
    categories = await reference.categories()
    procedures = {c: info.default_procedure for c, info in categories.items()}
    message = {"kind": "ok", "text": "已派单。"} if done == "dispatch" else None
    return templating.render(request, "dispatcher/desk.html", {
        "tab": tab, "tabs": TABS, "rows": rows, "suggested": suggested,
        "procedures": procedures, "cat_names": await category_names(), "message": message,
        "row_action": "dispatcher/_one_click.html",
        "empty_text": "没有待派单的诉求。新的诉求会自动出现在这里。",
    }, session=me)
