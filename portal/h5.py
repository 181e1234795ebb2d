"""The citizen pages (``/h5/``): sign-in by SMS code, home, my cases and a case's timeline,
my reward claims, the knowledge base, and tracking by number and query code (the receipt's
QR code). Filing is in ``portal.h5_filing``; the rating link in ``portal.rating``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from app_api.deps import client_ip
from app_api.schemas.inputs import TrackingNo
from casework import queries
from console.csrf import same_origin
from hotline.errors import NotFound, Problem
from identity import citizens
from knowledge import items as kb_items
from knowledge import search as kb_search
from portal import forms, h5_session, h5_wechat, templating
from portal.h5_session import Citizen
from rewards import queries as reward_queries

router = APIRouter()


def page(request: Request, name: str, ctx: dict[str, Any] | None = None, *,
         status: int = 200, who: Any = None,
         headers: dict[str, str] | None = None) -> HTMLResponse:
    data = {"csrf_token": h5_session.form_token(request) if who else "", "me": who}
    return templating.render(request, name, data | (ctx or {}), status=status, headers=headers)


def _next(target: str) -> str:
    return target if target.startswith("/h5/") and not target.startswith("//") else "/h5/"


@router.get("/login")
async def login_form(request: Request,
                     next: Annotated[str, Query(max_length=200)] = "/h5/") -> Response:
    if await h5_session.signed_in(request) is not None:
        return RedirectResponse(_next(next), status_code=303)
    return page(request, "h5/login.html",
                {"next": _next(next), "wechat": h5_wechat.offered(request),
                 "authorize": h5_wechat.AUTHORIZE})


class PhoneIn(BaseModel):
    phone: str = Field(max_length=20)


@router.post("/login/code", status_code=202)
async def login_code(body: PhoneIn, request: Request) -> Response:
    if not same_origin(request):
        return JSONResponse({"message": "请求被拒绝"}, status_code=403)
    try:
        await citizens.request_login_code(body.phone, client_ip(request))
    except Problem as exc:
        return JSONResponse({"message": forms.words(exc)}, status_code=exc.status)
    return JSONResponse({"sent": True}, status_code=202)


@router.post("/login")
async def login(
    request: Request,
    phone: Annotated[str, Form(max_length=20)] = "",
    code: Annotated[str, Form(max_length=8)] = "",
    next: Annotated[str, Form(max_length=200)] = "/h5/",
) -> Response:
    if not same_origin(request):
        raise h5_session.WriteRefused()
    try:
        citizen = await citizens.citizen_by_phone(await citizens.verify_login_code(phone, code))
    except Problem as exc:
        return page(request, "h5/login.html",
                    {"next": _next(next), "phone": phone, "error": forms.words(exc)},
                    status=exc.status)
    response = RedirectResponse(_next(next), status_code=303)
    await h5_session.start(response, citizen.id)
    return response


@router.post("/logout")
async def logout(request: Request, who: Citizen) -> Response:
    response = RedirectResponse(h5_session.LOGIN_PATH, status_code=303)
    await h5_session.end(request, response)
    return response


@router.get("/")
async def home(request: Request, who: Citizen) -> HTMLResponse:
    mine = await queries.my_cases(who, 3, None)
    return page(request, "h5/home.html", {"cases": mine["items"]}, who=who)


@router.get("/cases")
async def my_cases(request: Request, who: Citizen,
                   cursor: Annotated[str | None, Query(max_length=100)] = None) -> HTMLResponse:
    try:
        mine = await queries.my_cases(who, 20, cursor)
    except Problem:
        mine = await queries.my_cases(who, 20, None)
    return page(request, "h5/cases.html", {"page": mine}, who=who)


@router.get("/cases/{tracking_no}")
async def case_detail(request: Request, who: Citizen, tracking_no: TrackingNo) -> HTMLResponse:
    try:
        case = await queries.read_case(who, tracking_no)
    except NotFound:
        gone = {"title": "未找到该诉求", "text": "请从“我的诉求”中打开。"}
        return page(request, "h5/message.html", gone, status=404, who=who)
    return page(request, "h5/case.html", {"c": case}, who=who)


@router.get("/rewards")
async def my_rewards(request: Request, who: Citizen) -> HTMLResponse:
    claims = await reward_queries.my_claims(who, 50, None)
    codes = await reward_queries.pickup_codes(who, [c["id"] for c in claims["items"]])
    return page(request, "h5/rewards.html", {"claims": claims["items"], "codes": codes},
                who=who)


@router.get("/kb")
async def kb(request: Request, q: Annotated[str, Query(max_length=50)] = "") -> HTMLResponse:
    found = await kb_search.search(q.strip(), limit=10) if q.strip() else []
    return page(request, "h5/kb.html", {"q": q.strip(), "items": found})


@router.get("/kb/{item_id}")
async def kb_item(request: Request, item_id: int) -> HTMLResponse:
    try:
        item = await kb_items.published_item(item_id)
    except NotFound:
        gone = {"title": "条目不存在", "text": "该条目不存在或已下线。"}
        return page(request, "h5/message.html", gone, status=404)
    return page(request, "h5/kb_item.html", {"item": item})


@router.get("/track/{tracking_no}")
async def track_form(request: Request, tracking_no: TrackingNo) -> HTMLResponse:
    return page(request, "h5/track.html", {"no": tracking_no})


@router.post("/track/{tracking_no}")
async def track(request: Request, tracking_no: TrackingNo,
                code: Annotated[str, Form(max_length=12)] = "") -> HTMLResponse:
    try:
        progress = await queries.track(tracking_no, code.strip(), client_ip(request))
    except Problem as exc:
        return page(request, "h5/track.html", {"no": tracking_no, "error": forms.words(exc)},
                    status=exc.status)
    return page(request, "h5/track.html", {"no": tracking_no, "p": progress})
