"""The unit handler's desk: the workbench (tabs with counts, sorted by due, polled) and the
case page every desk opens (three columns; only the actions the table allows)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from casework import workbench
from casework.transitions import BY_ACTION
from console import actions, casepage, templating
from console.session import console_user, require_role
from console.views import category_names
from identity.web_sessions import WebSession

router = APIRouter()
handler = require_role("handler")
CHANGED = "此诉求的状态刚刚发生变化，下方已显示当前可办理的操作。"


async def _queue(me: WebSession, tab: str) -> dict[str, object]:
    tab = tab if tab in workbench.TABS else "to_sign"
    return {"tab": tab, "tabs": workbench.TABS, "counts": await workbench.counts(me.principal),
            "rows": await workbench.rows(me.principal, tab), "cat_names": await category_names()}


@router.get("/workbench")
async def workbench_page(request: Request, tab: str = "to_sign",
                         me: WebSession = Depends(handler)) -> Response:
    return templating.render(request, "handler/workbench.html", await _queue(me, tab), session=me)


@router.get("/workbench/queue")
async def workbench_queue(request: Request, tab: str = "to_sign",
                          me: WebSession = Depends(handler)) -> Response:
    """The tabs and rows alone: polled by the page (new cases and light changes appear)."""
    return templating.render(request, "handler/_queue.html", await _queue(me, tab), session=me)


@router.get("/cases/{no}")
async def case_page(request: Request, no: str, done: str = "",
                    me: WebSession = Depends(console_user)) -> Response:
    ctx = await casepage.context(me.principal, no[:32])
    if done in BY_ACTION:
        ctx["message"] = {"kind": "ok", "text": actions.done_message(done, ctx["case"])}
    ctx["cat_names"] = await category_names()
    return templating.render(request, "case/page.html", ctx, session=me)


@router.get("/cases/{no}/live")
async def case_live(request: Request, no: str, status: str = "",
                    me: WebSession = Depends(console_user)) -> Response:
    """Polled by the case page: nothing while the case's state is the one shown; else the new
    actions column, so the page never offers an action the case no longer allows."""
    ctx = await casepage.context(me.principal, no[:32])
    if ctx["case"]["status"] == status:
        return Response(status_code=204)
    ctx["message"] = {"kind": "info", "text": CHANGED}
    return templating.render(request, "case/_actions.html", ctx, session=me)


@router.post("/cases/{no}/{action}")
async def case_action(request: Request, no: str, action: str,
                      me: WebSession = Depends(console_user)) -> Response:
    form = await request.form()
    result = await actions.run(me.principal, no[:32], action, form)
    back = str(form.get("back", ""))
    if result.ok:
        target = back if back.startswith("/console/") else f"/console/cases/{no[:32]}"
        sep = "&" if "?" in target else "?"
        return RedirectResponse(f"{target}{sep}done={action}", status_code=303)
    ctx = await casepage.context(me.principal, no[:32]) if result.status != 404 else None
    if ctx is None:
        return templating.render(request, "error.html", {
            "title": "无法完成操作", "detail": result.message}, session=me, status=404)
    ctx |= {"message": {"kind": "error", "text": result.message},
            "cat_names": await category_names()}
    return templating.render(request, "case/page.html", ctx, session=me, status=result.status)
