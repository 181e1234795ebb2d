"""CSRF protection of every console request that is not a read: the session's form token
(hidden ``csrf_token`` field, or the ``X-CSRF-Token`` header htmx sends) AND an Origin (or,
without one, Referer) of this same site. Before sign-in the token is bound to a random
pre-session cookie instead. A refusal is :class:`CsrfRefused` (a 403 page)."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from fastapi import Request

from console.session import COOKIE, PRE_COOKIE
from hotline import settings as settings_mod
from identity.web_sessions import csrf_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Exception):
    pass


def _same_origin(request: Request) -> bool:
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return False
    netloc = urlsplit(source).netloc.lower()
    own = {request.headers.get("host", "").lower()}
    public = settings_mod.current().public_base_url
    if public:
        own.add(urlsplit(public).netloc.lower())
    return bool(netloc) and netloc in own


async def check(request: Request) -> None:
    """A router dependency: passes reads, checks everything else."""
    if request.method in SAFE_METHODS:
        return
    if not _same_origin(request):
        raise CsrfRefused("origin")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    bound = [c for c in (request.cookies.get(COOKIE), request.cookies.get(PRE_COOKIE)) if c]
    if not sent or not any(hmac.compare_digest(csrf_token(c), sent) for c in bound):
        raise CsrfRefused("token")


def login_token(pre_cookie: str) -> str:
    return csrf_token(pre_cookie)
