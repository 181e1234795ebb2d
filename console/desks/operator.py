"""The operator's desk: record a call, letter or visit through the intake service the API
uses; the caller's earlier cases by phone (its lookup hash); answers from the knowledge base."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app_api.schemas import IntakeCaseIn
from casework import intake, reference, staff_search
from console import templating
from console.actions import FIELD_LABELS
from console.session import console_user, require_role
from console.views import KIND_LABELS, category_names
from hotline.errors import Problem
from identity.web_sessions import WebSession
from knowledge import search as kb_search

router = APIRouter()
operator = require_role("operator")
INTAKE_FIELDS = ("kind", "category_code", "content", "title", "channel")
LABELS = FIELD_LABELS | {"kind": "诉求类型", "category_code": "类别", "channel": "来源",
                         "phone": "来电号码", "lat": "纬度", "lng": "经度",
                         "region_code": "所属区县", "address": "地址"}


async def _choices() -> dict[str, Any]:
    cats = [(c.code, c.name) for c in (await reference.categories()).values()
            if c.leaf and c.active]
    return {"categories": cats, "regions": await reference.region_choices(),
            "kinds": KIND_LABELS}


def _body(form: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {k: form[k] for k in INTAKE_FIELDS if form.get(k)}
    citizen = {k: form[f"citizen_{k}"] for k in ("name", "phone") if form.get(f"citizen_{k}")}
    if citizen:
        body["citizen"] = citizen
    if form.get("lat") or form.get("lng") or form.get("address") or form.get("region_code"):
        body["location"] = {k: _number(form[k]) if k in ("lat", "lng") else form[k]
                            for k in ("lat", "lng", "address", "region_code") if form.get(k)}
    body["anonymous"] = "anonymous" in form
    body["confidential"] = "confidential" in form
    return body


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text  # refused by the model, in the form's words


def _problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = [str(p) for p in first.get("loc", ())]
    label = LABELS.get(loc[-1] if loc else "", "内容")
    if loc[:1] == ["location"] and first["type"] == "missing":
        return "填写地点时请同时填写经度和纬度（可从地图服务复制）。"
    if first["type"] == "missing":
        return f"请填写{label}。"
    if first["type"] == "string_too_short":
        return f"{label}太短，请至少写 5 个字。"
    return f"{label}填写有误，请检查。"


@router.get("/operator")
async def operator_page(request: Request, me: WebSession = Depends(operator)) -> Response:
    return templating.render(request, "operator/desk.html", await _choices() | {"form": {}},
                             session=me)


@router.post("/operator/cases")
async def record(request: Request, me: WebSession = Depends(operator)) -> Response:
    raw = await request.form()
    form = {k: v.strip() for k, v in raw.items() if isinstance(v, str) and k != "csrf_token"}
    error = ""
    try:
        body = IntakeCaseIn.model_validate(_body(form))
        sub = body.to_submission(body.channel, body.citizen.name if body.citizen else None)
        if body.citizen and body.citizen.phone and not sub.contact_phone:
            sub.contact_phone = body.citizen.phone
        _, case = await intake.submit(me.principal, sub)
    except ValidationError as exc:
        error = _problem(exc)
    except Problem as exc:
        error = exc.detail
    ctx = await _choices()
    if error:
        return templating.render(request, "operator/desk.html", ctx | {
            "form": form, "message": {"kind": "error", "text": error}}, session=me, status=422)
    return templating.render(request, "operator/desk.html", ctx | {"form": {}, "recorded": case},
                             session=me, status=201)


@router.get("/operator/history")
async def history(request: Request, phone: str = "", citizen_phone: str = "",
                  me: WebSession = Depends(operator)) -> Response:
    """The caller's earlier cases, found through the phone's lookup hash (``citizen_phone``:
    as the recording form's field sends it)."""
    phone = phone or citizen_phone
    rows: list[dict[str, Any]] = []
    error = ""
    if phone.strip():
        try:
            found = await staff_search.search(
                me.principal, staff_search.Filters(phone=phone.strip()[:20]), limit=20)
            rows = found["items"]
        except Problem as exc:
            error = exc.detail
    return templating.render(request, "operator/_history.html", {
        "rows": rows, "phone": phone, "error": error, "cat_names": await category_names(),
        "empty_text": "该号码没有历史诉求。" if phone.strip() else "请输入来电号码。"}, session=me)


@router.get("/kb/search")
async def kb(request: Request, q: str = "", pick: int = 0,
             me: WebSession = Depends(console_user)) -> Response:
    """Knowledge answers for a phrase (``pick``: as choices for an answer form)."""
    items = await kb_search.search(q[:100], limit=8) if q.strip() else []
    return templating.render(request, "operator/_kb.html", {"items": items, "q": q,
                                                            "pick": bool(pick)}, session=me)
