"""Who is signed in on the citizen pages: a server-side session (``identity.web_sessions``,
subject ``citizen:<id>``) whose random id is in an HttpOnly SameSite=Lax cookie on /h5. A
deleted or merged-away citizen's sessions end with the account. Every write carries the
session's form token and comes from this same site (the console's rules, one copy)."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response

from console.csrf import same_origin
from hotline import settings as settings_mod
from identity import citizens, web_sessions
from identity.principal import Principal

COOKIE = "hotline_h5"
LOGIN_PATH = "/h5/login"


class SignInRequired(Exception):
    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


class WriteRefused(Exception):
    """A write without this session's form token, or from another site."""


async def start(response: Response, citizen_id: int) -> None:
    s = settings_mod.current()
    cookie = await web_sessions.start_for(f"citizen:{citizen_id}", s.h5_idle_s)
    response.set_cookie(COOKIE, cookie, max_age=s.h5_max_s, path="/h5", httponly=True,
                        samesite="lax", secure=s.env == "production")


async def end(request: Request, response: Response) -> None:
    await web_sessions.end(request.cookies.get(COOKIE) or "")
    response.delete_cookie(COOKIE, path="/h5", httponly=True, samesite="lax",
                           secure=settings_mod.current().env == "production")


async def signed_in(request: Request) -> Principal | None:
    s = settings_mod.current()
    found = await web_sessions.live_subject(request.cookies.get(COOKIE), idle_s=s.h5_idle_s,
                                            max_s=s.h5_max_s, activity=True)
    if found is None or not found[0].startswith("citizen:"):
        return None
    citizen_id, started = int(found[0].split(":", 1)[1]), found[1] / 1000
    if not await citizens.citizen_exists(citizen_id, started):
        return None
    ua = request.headers.get("user-agent", "").lower()
    channel = "wechat_oa" if "micromessenger" in ua else "web"
    return Principal(kind="citizen", id=citizen_id, channel=channel, issued_at=started)


def form_token(request: Request) -> str:
    return web_sessions.csrf_token(request.cookies.get(COOKIE) or "")


async def citizen(request: Request) -> Principal:
    """A dependency: the signed-in citizen (else to the login page); a write must carry the
    form token (field ``csrf_token`` or header ``X-CSRF-Token``) and be same-site."""
    who = await signed_in(request)
    if who is None:
        target = request.url.path if request.method == "GET" else "/h5/"
        raise SignInRequired(target)
    if request.method not in ("GET", "HEAD"):
        sent = request.headers.get("x-csrf-token")
        if sent is None:
            value = (await request.form()).get("csrf_token")
            sent = value if isinstance(value, str) else ""
        if not same_origin(request) or not hmac.compare_digest(sent, form_token(request)):
            raise WriteRefused()
    return who


Citizen = Annotated[Principal, Depends(citizen)]


def login_url(target: str) -> str:
    return f"{LOGIN_PATH}?next={quote(target, safe='')}"
