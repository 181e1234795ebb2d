"""Jinja2 for the citizen and kiosk pages: autoescape on, the console's filters (one copy:
``console.views``), and strict headers: no outside host may be asked for anything (CSP), no
Referer leaves a page, nothing is cached."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from console import views
from wechat import jssdk

HERE = Path(__file__).parent
STATIC_VERSION = "5"  # bump when a static file changes

CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
# inside WeChat, with the JS-SDK configured, the filing page may load WeChat's own script (that
# one file, nothing else from its host): the one outside request a page ever makes
CSP_WECHAT = CSP.replace("script-src 'self'", f"script-src 'self' {jssdk.SCRIPT}")
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "same-origin",  # no-referrer would make a form post's Origin "null"
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters.update(views.FILTERS)


def static(path: str) -> str:
    return f"/portal/static/{path}?v={STATIC_VERSION}"


env.globals.update(static=static)


def render(request: Request, name: str, ctx: dict[str, Any] | None = None, *,
           status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    data: dict[str, Any] = {"request": request, "path": request.url.path} | (ctx or {})
    html = env.get_template(name).render(data)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS | (headers or {}))
