"""Jinja2 for the console: autoescape on, the shared filters, and one render helper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

from console import nav, views
from hotline import settings as settings_mod
from identity.web_sessions import WebSession

HERE = Path(__file__).parent
STATIC_VERSION = "2"  # bump when console.css changes (the static files are cached)

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters.update(views.FILTERS)


@pass_context
def csrf_field(ctx: Context) -> Markup:
    """The hidden input every console form carries."""
    token = ctx.get("csrf_token") or ""
    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(token)}">')


def static(path: str) -> str:
    return f"/console/static/{path}?v={STATIC_VERSION}"


env.globals.update(csrf_field=csrf_field, static=static)


def render(
    request: Request,
    name: str,
    ctx: dict[str, Any] | None = None,
    *,
    session: WebSession | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page (or an htmx fragment) with who is signed in, their desks and the form token."""
    data: dict[str, Any] = {
        "request": request,
        "path": request.url.path,
        "poll_s": settings_mod.current().console_poll_s,
    }
    if session is not None:
        data |= {
            "me": session,
            "csrf_token": session.csrf_token,
            "desks": nav.desks_for(session.principal.roles),
        }
    data |= ctx or {}
    html = env.get_template(name).render(data)
    return HTMLResponse(html, status_code=status, headers=headers)
