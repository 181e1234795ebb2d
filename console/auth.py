"""Sign-in, sign-out, the start page and the session ping every open page polls."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app_api.deps import client_ip
from console import csrf, templating
from console.session import (
    COOKIE,
    PRE_COOKIE,
    clear_cookie,
    console_user,
    set_cookie,
)
from hotline.errors import Problem, RateLimited
from identity import staff, web_sessions
from identity.web_sessions import WebSession

router = APIRouter()

REASONS = {
    "expired": "登录已失效（长时间未操作、已退出或账号已停用），请重新登录。",
    "password": "管理员已重置您的密码，请先在 App 或接口修改密码后再登录。",
}


def _safe_next(target: str | None) -> str:
    """Only a path of this console (never another site)."""
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return "/console/"


def _login_page(request: Request, *, error: str = "", status: int = 200,
                username: str = "") -> Response:
    pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    notice = REASONS.get(request.query_params.get("reason", ""), "")
    response = templating.render(request, "login.html", {
        "csrf_token": csrf.login_token(pre), "error": error, "notice": notice,
        "next": _safe_next(request.query_params.get("next")), "username": username,
    }, status=status)
    templating_cookie(response, pre)
    return response


def templating_cookie(response: Response, pre: str) -> None:
    set_cookie(response, PRE_COOKIE, pre, max_age=3600)


@router.get("/login", include_in_schema=False)
async def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    if not username or not password:
        return _login_page(request, error="请输入用户名和密码。", status=422, username=username)
    try:
        who = await staff.authenticate(username[:64], password[:256], client_ip(request))
    except RateLimited as exc:
        return _login_page(request, error=exc.detail, status=429, username=username)
    except Problem:
        return _login_page(request, error="用户名或密码错误。", status=401, username=username)
    if who.must_change_password:
        return _login_page(request, error=REASONS["password"], status=403, username=username)
    old = request.cookies.get(COOKIE)
    if old:
        await web_sessions.end(old)
    cookie = await web_sessions.start(who.id)
    response = RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303)
    set_cookie(response, COOKIE, cookie)
    clear_cookie(response, PRE_COOKIE)
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    cookie = request.cookies.get(COOKIE)
    if cookie:
        await web_sessions.end(cookie)
    response = RedirectResponse("/console/login", status_code=303)
    clear_cookie(response)
    return response


@router.get("/", include_in_schema=False)
async def home(request: Request, me: WebSession = Depends(console_user)) -> Response:
    return templating.render(request, "home.html", session=me)


@router.get("/session/ping", include_in_schema=False)
async def ping(me: WebSession = Depends(console_user)) -> Response:
    """Polled by every open page (not as activity): a dead session sends the tab to login."""
    return Response(status_code=204)
