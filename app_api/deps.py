"""Auth dependencies: who is calling, and may they call this."""

from __future__ import annotations

from fastapi import Header, Request

from hotline.errors import Forbidden, Unauthorized, ValidationProblem
from identity import staff as staff_service
from identity import tokens
from identity.principal import Principal


def client_ip(request: Request) -> str:  # a plain helper, not a dependency
    return request.client.host if request.client else "unknown"


async def optional_principal(
    authorization: str | None = Header(default=None),
    x_device_key: str | None = Header(default=None),
) -> Principal | None:
    if x_device_key:
        return await staff_service.device_principal(x_device_key)
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("需要登录", code="invalid_token")
    claims = tokens.decode_access(token)
    kind, _, raw_id = str(claims.get("sub", "")).partition(":")
    if not raw_id.isdigit():
        raise Unauthorized("登录已失效，请重新登录", code="invalid_token")
    if kind == "citizen":
        return Principal(kind="citizen", id=int(raw_id), channel=claims.get("ch", "app"))
    if kind == "staff":
        return await staff_service.staff_principal(int(raw_id))
    raise Unauthorized("登录已失效，请重新登录", code="invalid_token")


async def principal(
    authorization: str | None = Header(default=None),
    x_device_key: str | None = Header(default=None),
) -> Principal:
    who = await optional_principal(authorization, x_device_key)
    if who is None:
        raise Unauthorized("需要登录")
    return who


async def citizen(
    authorization: str | None = Header(default=None),
) -> Principal:
    who = await optional_principal(authorization, None)
    if who is None or who.kind != "citizen":
        raise Unauthorized("需要市民登录")
    return who


async def staff(
    authorization: str | None = Header(default=None),
) -> Principal:
    who = await optional_principal(authorization, None)
    if who is None or who.kind != "staff":
        raise Unauthorized("需要工作人员登录")
    return who


def require_roles(who: Principal, *roles: str) -> None:
    if not who.has_role(*roles):
        raise Forbidden("无权执行此操作")


async def idempotency_key(idempotency_key: str | None = Header(default=None)) -> str | None:
    if idempotency_key is not None and not (0 < len(idempotency_key) <= 100):
        raise ValidationProblem("Idempotency-Key 长度须为 1 到 100 个字符", code="invalid_header")
    return idempotency_key
