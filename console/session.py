"""The console's cookie session: sign-in, sign-out, who is signed in, and role checks.

The session state lives server-side (``identity.web_sessions``); the cookie holds only its
random id: HttpOnly, SameSite=Lax, Secure in production. Page polling (header
``X-Console-Poll``) does not count as activity, so an unattended screen still times out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.responses import Response

from hotline import settings as settings_mod
from identity import web_sessions
from identity.web_sessions import WebSession

COOKIE = "hotline_console"
PRE_COOKIE = "hotline_console_pre"  # before sign-in: the login form's CSRF token is bound to it
LOGIN_PATH = "/console/login"


class LoginRequired(Exception):
    """No live session: the page sends the person to the login page (see console.errors)."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class RoleRefused(Exception):
    """Signed in, but this desk is not for the person's roles (a 403 page)."""

    def __init__(self, session: WebSession) -> None:
        super().__init__("role")
        self.session = session


def set_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/console", httponly=True, samesite="lax",
        secure=settings_mod.current().env == "production",
    )


def clear_cookie(response: Response, name: str = COOKIE) -> None:
    response.delete_cookie(
        name, path="/console", httponly=True, samesite="lax",
        secure=settings_mod.current().env == "production",
    )


async def console_user(request: Request) -> WebSession:
    """The signed-in staff member, or :class:`LoginRequired`."""
    cached = getattr(request.state, "console_session", None)
    if isinstance(cached, WebSession):
        return cached
    cookie = request.cookies.get(COOKIE)
    activity = request.headers.get("x-console-poll") != "1"
    session = await web_sessions.resolve(cookie, activity=activity)
    if session is None:
        raise LoginRequired("expired" if cookie else "")
    if session.principal.must_change_password:
        await web_sessions.end(cookie or "")
        raise LoginRequired("password")
    request.state.console_session = session
    return session


def require_role(*roles: str) -> Callable[..., Awaitable[WebSession]]:
    """A dependency: the signed-in person, who must hold one of ``roles`` (admins all)."""
    wanted = set(roles) | {"admin"}

    async def dependency(session: WebSession = Depends(console_user)) -> WebSession:
        if not session.principal.roles & wanted:
            raise RoleRefused(session)
        return session

    return dependency
