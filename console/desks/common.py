"""Small helpers the supervisor, reward and administration desks share: links that keep a
list's filters, the message after an action (a fixed text chosen by key, never text from the
URL), the redirect after a form, and the role check of the desks whose API is one role only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from console.session import RoleRefused, console_user
from identity.web_sessions import WebSession


def link(request: Request, **changes: Any) -> str:
    """This page's path with its query changed (``None`` removes a parameter); a change of
    filter starts again at the first page (the cursor goes unless given)."""
    params = dict(request.query_params)
    if "cursor" not in changes:
        params.pop("cursor", None)
    params.pop("done", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return f"{request.url.path}?{query}" if query else request.url.path


def pages(request: Request, next_cursor: str | None) -> dict[str, str | None]:
    """What ``_pager.html`` needs: the next page's link and the first page's."""
    return {"next": link(request, cursor=next_cursor) if next_cursor else None,
            "first_page": link(request)}


def after(url: str, done: str) -> RedirectResponse:
    """Post/redirect/get: back to ``url`` with the key of the message to show."""
    sep = "&" if "?" in url else "?"
    return RedirectResponse(f"{url}{sep}done={done}", status_code=303)


def message(request: Request, texts: dict[str, str]) -> str | None:
    return texts.get(request.query_params.get("done", ""))


def only_roles(*roles: str) -> Callable[..., Awaitable[WebSession]]:
    """Like ``console.session.require_role`` but without the administrators' pass: for the
    desks whose API is these roles only (the reward desk shows the reporter's identity)."""
    wanted = set(roles)

    async def dependency(session: WebSession = Depends(console_user)) -> WebSession:
        if not session.principal.roles & wanted:
            raise RoleRefused(session)
        return session

    return dependency


def download(response: Response) -> Response:
    """A CSV of the console (names, masked phones): never cached, as the pages are not."""
    response.headers["Cache-Control"] = "no-store"
    return response


def flag(value: str | None) -> bool | None:
    """A yes/no filter from a select: "1", "0" or nothing."""
    return {"1": True, "0": False}.get(value or "")
