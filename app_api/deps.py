"""Auth dependencies: who is calling, and may they call this."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from fastapi import Header, Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer
from starlette.requests import HTTPConnection

from hotline import settings as settings_mod
from hotline.errors import Forbidden, Unauthorized, ValidationProblem
from hotline.sqlread import Check
from identity import citizens, tokens
from identity import staff as staff_service
from identity.principal import Principal

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


@lru_cache(maxsize=4096)  # per request (client_ip); parsing costs more than the look-up
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
             networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in net for net in networks)


def client_ip(request: Request) -> str:  # a plain helper, not a dependency
    """The client's address, for per-IP limits and the login audit.

    The peer's address, unless the peer is one of ``HOTLINE_TRUSTED_PROXIES`` (default: none):
    then ``X-Forwarded-For`` is read from the right, past every trusted proxy, and the first
    address not trusted is the client. An entry that is not an address ends the walk at the
    last trusted hop. Behind ``hotline serve`` uvicorn has already done the same walk with the
    same list (:func:`uvicorn_proxy_options`), which leaves nothing trusted here to undo.
    """
    peer = request.client.host if request.client else "unknown"
    networks = _networks(tuple(settings_mod.current().trusted_proxies))
    address = _address(peer)
    if not networks or not _trusted(address, networks):
        return str(address) if address else peer[:64]
    hops = [h for v in request.headers.getlist("x-forwarded-for") for h in v.split(",")]
    for hop in reversed(hops):
        hop_address = _address(hop)
        if hop_address is None:
            break
        address = hop_address
        if not _trusted(hop_address, networks):
            break
    return str(address)


def uvicorn_proxy_options(trusted: list[str]) -> dict[str, Any]:
    """uvicorn's own proxy-header trust, following ``HOTLINE_TRUSTED_PROXIES``: without a
    trusted proxy it reads no forwarded header at all (its default believes loopback)."""
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(trusted)}


class _RawBearer(HTTPBearer):
    """Documents the Bearer scheme (the Authorize button of /docs); hands on the raw header."""

    async def __call__(self, request: Request) -> str | None:  # type: ignore[override]
        return request.headers.get("authorization")


class _RawDeviceKey(APIKeyHeader):
    """Documents the kiosk device key; hands on the raw header."""

    async def __call__(self, request: HTTPConnection) -> str | None:
        return request.headers.get("x-device-key")


bearer = _RawBearer(
    auto_error=False,
    scheme_name="bearer",
    description="access_token from /auth/sms-login, /auth/refresh, /auth/staff-login or WeChat",
)
device_key = _RawDeviceKey(
    name="X-Device-Key", auto_error=False, scheme_name="device_key", description="kiosk device key"
)


async def optional_principal(
    authorization: str | None = Security(bearer),
    x_device_key: str | None = Security(device_key),
) -> Principal | None:
    """The caller, if any. A citizen's token is checked against the database here (one
    primary-key look-up): a deleted or merged-away citizen is a 401. The intake hot path
    (:func:`caller`) skips that look-up; there the insert itself proves the citizen exists.
    A staff member whose password an administrator reset is a 403 until it is changed."""
    return _password_changed(await _authenticated(authorization, x_device_key))


async def _authenticated(authorization: str | None, x_device_key: str | None) -> Principal | None:
    who = await _resolve(authorization, x_device_key)
    if (
        who is not None and who.kind == "citizen"
        and not await citizens.citizen_exists(who.id, who.issued_at)
    ):
        raise Unauthorized("登录已失效，请重新登录", code="invalid_token")
    return who


def _password_changed(who: Principal | None) -> Principal | None:
    """403 ``password_change_required`` for a staff member who must change the password."""
    if who is not None and who.must_change_password:
        raise Forbidden(
            "管理员已重置您的密码，请先通过 POST /auth/staff-password 修改密码",
            code="password_change_required",
        )
    return who


async def signed_in(authorization: str | None = Security(bearer)) -> Principal | None:
    """The bearer of a token, even a staff member who must still change the password: only
    for signing out and changing the password."""
    return await _authenticated(authorization, None)


async def staff_any_password(authorization: str | None = Security(bearer)) -> Principal:
    """A staff member, whether or not the password must be changed first (that change)."""
    who = await signed_in(authorization)
    if who is None or who.kind != "staff":
        raise Unauthorized("需要工作人员登录")
    return who


async def _resolve(authorization: str | None, x_device_key: str | None) -> Principal | None:
    """Who the headers name: staff and devices are loaded, a citizen's token is trusted."""
    if x_device_key:
        return await staff_service.device_principal(x_device_key)
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("需要登录", code="invalid_token")
    claims = tokens.decode_access(token)
    parsed = tokens.parse_subject(str(claims.get("sub", "")))
    if parsed is not None and parsed[0] == "citizen":
        return Principal(
            kind="citizen", id=parsed[1], channel=claims.get("ch", "app"),
            issued_at=tokens.issued_at(claims),
        )
    if parsed is not None and parsed[0] == "staff":
        return await staff_service.staff_principal(parsed[1], tokens.issued_at(claims))
    raise Unauthorized("登录已失效，请重新登录", code="invalid_token")


async def caller_vanished(request: Request) -> bool:
    """Whether the request carries a valid citizen token for a citizen who no longer exists.

    A citizen's access token is trusted without a database look-up (the intake hot path), so
    a deleted or merged-away citizen is only noticed when a write refers to them and the
    database refuses it (a foreign-key violation); the error handler asks this then, to answer
    401 instead of 500.
    """
    if request.headers.get("x-device-key"):
        return False
    try:
        who = await _resolve(request.headers.get("authorization"), None)
    except Unauthorized:
        return False
    return who is not None and who.kind == "citizen" and not await citizens.citizen_exists(who.id)


async def principal(
    authorization: str | None = Security(bearer),
    x_device_key: str | None = Security(device_key),
) -> Principal:
    who = await optional_principal(authorization, x_device_key)
    if who is None:
        raise Unauthorized("需要登录")
    return who


async def citizen(
    authorization: str | None = Security(bearer),
) -> Principal:
    who = await optional_principal(authorization, None)
    if who is None or who.kind != "citizen":
        raise Unauthorized("需要市民登录")
    return who


async def staff(
    authorization: str | None = Security(bearer),
) -> Principal:
    who = await optional_principal(authorization, None)
    if who is None or who.kind != "staff":
        raise Unauthorized("需要工作人员登录")
    return who


def require_roles(who: Principal, *roles: str) -> None:
    if not who.has_role(*roles):
        raise Forbidden("无权执行此操作")


async def idempotency_key(idempotency_key: str | None = Header(default=None)) -> str | None:
    return _checked_key(idempotency_key)


def _checked_key(key: str | None) -> str | None:
    if key is not None and not (0 < len(key) <= 100):
        raise ValidationProblem("Idempotency-Key 长度须为 1 到 100 个字符", code="invalid_header")
    if key is not None and not key.isprintable():
        raise ValidationProblem("Idempotency-Key 不得包含控制字符", code="invalid_header")
    return key


# The hottest route (a citizen or kiosk filing a case) reads its caller without FastAPI's
# dependency tree, which costs more per request than the rest of authentication together;
# HOT_ROUTE_DOC documents in OpenAPI what the dependencies would have.
async def caller(request: Request) -> Principal:
    """Who is calling (401 if nobody): :func:`principal` as a plain call."""
    headers = request.headers
    who = _password_changed(
        await _resolve(headers.get("authorization"), headers.get("x-device-key"))
    )
    if who is None:
        raise Unauthorized("需要登录")
    return who


# The hot reads (a citizen's case, a citizen's list) answer with one read: a citizen's session
# check goes with it (hotline.sqlread.fetch_if: one round trip on PostgreSQL), not on its own.
async def principal_and_check(
    authorization: str | None, x_device_key: str | None
) -> tuple[Principal, Check | None]:
    """:func:`principal` as a plain call, except that a citizen's session check is handed back
    (to run before anything else is answered) instead of run here; None for staff and kiosks,
    who are loaded as before."""
    who = _password_changed(await _resolve(authorization, x_device_key))
    if who is None:
        raise Unauthorized("需要登录")
    if who.kind == "citizen":
        return who, tokens.citizen_check(who.id, who.issued_at)
    return who, None


async def citizen_and_check(authorization: str | None) -> tuple[Principal, Check]:
    """:func:`citizen` as a plain call, the session check handed back as in
    :func:`principal_and_check`."""
    who = _password_changed(await _resolve(authorization, None))
    if who is None or who.kind != "citizen":
        raise Unauthorized("需要市民登录")
    return who, tokens.citizen_check(who.id, who.issued_at)


def idempotency_key_of(request: Request) -> str | None:
    """The Idempotency-Key header, checked: :func:`idempotency_key` as a plain call."""
    return _checked_key(request.headers.get("idempotency-key"))


HOT_ROUTE_DOC = {
    "security": [{"bearer": []}, {"device_key": []}],
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": 100},
            "description": "a retry with the same key and body returns the first reply",
        }
    ],
}
