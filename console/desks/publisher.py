"""The publisher's desk: consenting, answered cases waiting for review, and the review page
(the original beside the redacted draft; edit, choose photos, publish; unpublish at once)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from console import templating
from console.session import require_role
from console.views import category_names
from hotline.errors import Problem
from identity.web_sessions import WebSession
from publishing import service

router = APIRouter()
publisher = require_role("publisher", "supervisor")
DONE = {"publish": "已发布，公众现在可以看到脱敏后的内容。",
        "unpublish": "已撤下，所有公开渠道立即不再显示。"}


@router.get("/publisher")
async def queue(request: Request, tab: str = "waiting",
                me: WebSession = Depends(publisher)) -> Response:
    tab = tab if tab in ("waiting", "published") else "waiting"
    rows = await service.review_queue(me.principal, published=tab == "published")
    return templating.render(request, "publisher/queue.html", {
        "tab": tab, "rows": rows, "cat_names": await category_names()}, session=me)


async def _review(request: Request, me: WebSession, no: str, *, message: dict[str, str] | None,
                  form: dict[str, str] | None = None, photo_ids: list[int] | None = None,
                  status: int = 200) -> Response:
    review = await service.review(me.principal, no)
    current = review["published"]
    text = form or (current if current else review["draft"])
    chosen = set(photo_ids if photo_ids is not None else
                 (current["photo_ids"] if current else []))
    return templating.render(request, "publisher/review.html", {
        "r": review, "text": text, "chosen": chosen, "message": message,
    }, session=me, status=status)


@router.get("/publisher/{no}")
async def review_page(request: Request, no: str, done: str = "",
                      me: WebSession = Depends(publisher)) -> Response:
    message = {"kind": "ok", "text": DONE[done]} if done in DONE else None
    return await _review(request, me, no[:32], message=message)


@router.post("/publisher/{no}/publish")
async def publish(request: Request, no: str, me: WebSession = Depends(publisher)) -> Response:
    form = await request.form()
    summary, result = str(form.get("summary", "")), str(form.get("result", ""))
    photo_ids = [int(str(p)) for p in form.getlist("photo_ids") if str(p).isdigit()][:20]
    try:
        await service.publish(me.principal, no[:32], summary=summary, result=result,
                              photo_ids=photo_ids)
    except Problem as problem:
        if problem.status == 404:
            raise
        return await _review(request, me, no[:32], form={"summary": summary, "result": result},
                             photo_ids=photo_ids, status=problem.status,
                             message={"kind": "error", "text": problem.detail})
    return RedirectResponse(f"/console/publisher/{no[:32]}?done=publish", status_code=303)


@router.post("/publisher/{no}/unpublish")
async def unpublish(no: str, me: WebSession = Depends(publisher)) -> Response:
    await service.unpublish(me.principal, no[:32])
    return RedirectResponse(f"/console/publisher/{no[:32]}?done=unpublish", status_code=303)
