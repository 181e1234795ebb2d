"""The top bar's search box: a tracking number opens the case, a phone number finds the
caller's cases (its lookup hash), anything else is full text — the staff search service,
within the person's scope."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from casework import staff_search
from console import templating
from console.session import console_user
from console.views import category_names
from hotline.errors import Problem
from identity.web_sessions import WebSession

router = APIRouter()
TRACKING_NO = re.compile(r"^\d{8}-\d{6}$")
EMPTY = "请输入工单号、手机号或关键词。"
PHONE = re.compile(r"^\+?[\d\- ]{7,20}$")


@router.get("/search")
async def search(request: Request, q: str = "",
                 me: WebSession = Depends(console_user)) -> Response:
    q = q.strip()[:100]
    if TRACKING_NO.match(q):
        return RedirectResponse(f"/console/cases/{q}", status_code=303)
    rows, error = [], ""
    if q:
        filters = (staff_search.Filters(phone=q) if PHONE.match(q)
                   else staff_search.Filters(q=q))
        try:
            rows = (await staff_search.search(me.principal, filters, limit=50))["items"]
        except Problem as exc:
            error = exc.detail
    return templating.render(request, "search.html", {
        "rows": rows, "search_q": q, "error": error, "cat_names": await category_names(),
        "empty_text": f"在您的范围内没有找到与“{q}”相关的诉求。" if q else EMPTY,
    }, session=me)
