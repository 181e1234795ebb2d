"""Which kiosk is asking: its device key, entered once at ``/kiosk/pair`` by an administrator,
kept in an HttpOnly cookie (SameSite=Strict, Secure in production) and shown nowhere after.
Every kiosk page resolves the cookie to the device's principal (``identity.staff``); a
kiosk without a valid key is sent to pairing. Every write must come from this same site."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from console.csrf import same_origin
from hotline import settings as settings_mod
from hotline.errors import Problem
from identity import staff as staff_service
from identity.principal import Principal

COOKIE = "hotline_kiosk"
PAIR_PATH = "/kiosk/pair"
KEY_MAX = 100


class NotPaired(Exception):
    """No valid device key: the page sends the kiosk to pairing."""


class CrossSite(Exception):
    """A write from another site: refused."""


async def principal_of(key: str | None) -> Principal | None:
    if not key or len(key) > KEY_MAX:
        return None
    try:
        return await staff_service.device_principal(key)
    except Problem:
        return None


async def kiosk(request: Request) -> Principal:
    """A dependency: the paired kiosk (and, for a write, a same-site request)."""
    if request.method not in ("GET", "HEAD") and not same_origin(request):
        raise CrossSite()
    who = await principal_of(request.cookies.get(COOKIE))
    if who is None:
        raise NotPaired()
    return who


def remember(response: Response, key: str) -> None:
    response.set_cookie(
        COOKIE, key, max_age=5 * 365 * 86400, path="/kiosk", httponly=True, samesite="strict",
        secure=settings_mod.current().env == "production",
    )


def to_pairing() -> Response:
    return RedirectResponse(PAIR_PATH, status_code=303)
