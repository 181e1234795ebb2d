"""JWT access tokens and one-time refresh tokens."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from hotline import settings as settings_mod
from hotline import sqlread
from hotline.errors import Unauthorized
from models.citizen import Citizen
from models.ops import RefreshToken
from models.org import Staff

ALG = "HS256"


def _encode(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, settings_mod.current().secret_key, algorithm=ALG)


# Access tokens already verified by this process: a citizen files and follows cases with one
# token for up to an hour, and checking its signature each time costs more than the rest of
# authentication. Only the signature check is remembered: expiry is checked on every use.
_VERIFIED_MAX = 20_000
_verified: dict[str, dict[str, Any]] = {}
_verified_with = ""  # the key they were verified with: another key forgets them all


def decode_access(token: str) -> dict[str, Any]:
    global _verified_with
    secret = settings_mod.current().secret_key
    if secret != _verified_with:
        _verified.clear()
        _verified_with = secret
    claims = _verified.get(token)
    if claims is None:
        claims = _verify_access(token, secret)
        if len(_verified) >= _VERIFIED_MAX:
            del _verified[next(iter(_verified))]  # the oldest
        _verified[token] = claims
    if claims["exp"] <= time.time():
        raise Unauthorized("登录已失效，请重新登录", code="invalid_token")
    return claims


def _verify_access(token: str, secret: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALG], options={"require": ["exp"]})
    except jwt.PyJWTError as exc:
        raise Unauthorized("登录已失效，请重新登录", code="invalid_token") from exc
    if claims.get("typ") != "access" or not isinstance(claims["exp"], int | float):
        raise Unauthorized("登录已失效，请重新登录", code="invalid_token")
    return claims


async def issue_pair(subject: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A fresh access token and a one-time refresh token for ``subject`` ("citizen:12")."""
    s = settings_mod.current()
    issued = round(time.time(), 3)  # to the millisecond: compared with sessions_revoked_at
    now = int(issued)
    access = _encode(
        {"sub": subject, "typ": "access", "iat": issued, "exp": now + s.access_token_ttl_s}
        | (extra or {})
    )
    jti = secrets.token_hex(16)
    await RefreshToken.create(
        jti=jti,
        subject=subject,
        expires_at=datetime.now(UTC) + timedelta(seconds=s.refresh_token_ttl_s),
    )
    refresh = _encode(
        {"sub": subject, "typ": "refresh", "jti": jti, "iat": issued}
        | {"exp": now + s.refresh_token_ttl_s}
        | (extra or {})
    )
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": s.access_token_ttl_s,
    }


async def rotate(refresh_token: str) -> tuple[str, dict[str, Any]]:
    """Spend a refresh token once; returns its subject and claims for a new pair."""
    try:
        claims = jwt.decode(refresh_token, settings_mod.current().secret_key, algorithms=[ALG])
    except jwt.PyJWTError as exc:
        raise Unauthorized("登录已失效，请重新登录", code="invalid_token") from exc
    if claims.get("typ") != "refresh" or "jti" not in claims:
        raise Unauthorized("登录已失效，请重新登录", code="invalid_token")
    if not await subject_active(str(claims.get("sub", "")), issued_at(claims)):
        raise Unauthorized("账号不可用，请重新登录", code="invalid_token")
    spent = await RefreshToken.filter(jti=claims["jti"], used=False).update(used=True)
    if spent != 1:
        raise Unauthorized("登录已失效，请重新登录", code="invalid_token")
    extra = {k: v for k, v in claims.items() if k not in {"sub", "typ", "jti", "iat", "exp"}}
    return claims["sub"], extra


async def revoke(subject: str, refresh_token: str) -> bool:
    """Revoke one refresh token if it is ``subject``'s (signed by us, of type refresh). Any
    other token — another caller's, expired, forged — is left alone, and the caller is told
    nothing either way: the answer does not reveal whose a token is. True when one was
    revoked (for logs and tests)."""
    try:
        claims = jwt.decode(
            refresh_token, settings_mod.current().secret_key, algorithms=[ALG],
            options={"verify_exp": False},
        )
    except jwt.PyJWTError:
        return False
    if claims.get("typ") != "refresh" or claims.get("sub") != subject:
        return False
    jti = claims.get("jti")
    if not isinstance(jti, str):
        return False
    return await RefreshToken.filter(jti=jti, subject=subject, used=False).update(used=True) > 0


def parse_subject(subject: str) -> tuple[str, int] | None:
    """``("citizen", 12)`` from a token's ``"citizen:12"``; None for anything else (an id that
    is not a plain decimal a BIGINT holds)."""
    kind, _, raw_id = subject.partition(":")
    if not (raw_id.isascii() and raw_id.isdigit()) or len(raw_id) > 19:
        return None
    number = int(raw_id)
    return (kind, number) if number <= 2**63 - 1 else None


async def revoke_all(subject: str, using_db: BaseDBAsyncClient | None = None) -> int:
    """End every session of ``subject``: all its refresh tokens are spent, and its access
    tokens issued until now are refused wherever the subject is looked up (every route but
    ``POST /cases``, which takes a citizen's token without a query until it expires).
    Returns how many refresh tokens were live.

    The moment is kept to the millisecond (rounded down), as tokens carry it: a pair issued
    right after the revocation (a password change hands out one) is never taken as older.
    """
    parsed = parse_subject(subject)
    now = datetime.now(UTC)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    if parsed is not None and parsed[0] == "citizen":
        await Citizen.filter(id=parsed[1]).using_db(using_db).update(sessions_revoked_at=now)
    elif parsed is not None and parsed[0] == "staff":
        await Staff.filter(id=parsed[1]).using_db(using_db).update(sessions_revoked_at=now)
    spent = RefreshToken.filter(subject=subject, used=False).using_db(using_db)
    return await spent.update(used=True)


def issued_at(claims: dict[str, Any]) -> float | None:
    iat = claims.get("iat")
    return float(iat) if isinstance(iat, int | float) else None


def issued_after_revocation(revoked_at: datetime | None, issued: float | None) -> bool:
    """Whether a token issued at ``issued`` survives a logout everywhere at ``revoked_at``."""
    return revoked_at is None or (issued is not None and issued >= revoked_at.timestamp())


def _not_revoked(issued: float | None) -> Q:
    if issued is None:
        return Q(sessions_revoked_at=None)
    at = datetime.fromtimestamp(issued, UTC)
    return Q(sessions_revoked_at=None) | Q(sessions_revoked_at__lte=at)


async def subject_active(subject: str, issued: float | None = None) -> bool:
    """Whether a token's subject may still sign in: an active staff member, a citizen not
    deleted nor merged into another; and whether a token issued at ``issued`` outlived no
    logout everywhere (checked in the same query)."""
    parsed = parse_subject(subject)
    if parsed is None:
        return False
    kind, subject_id = parsed
    if kind == "staff":
        return await Staff.filter(_not_revoked(issued), id=subject_id, active=True).exists()
    if kind == "citizen":  # on every citizen request: a fixed statement, no ORM query
        return bool(await sqlread.fetch(*citizen_check(subject_id, issued)))
    return False


def citizen_check(citizen_id: int, issued: float | None = None) -> sqlread.Check:
    """The statement :func:`subject_active` runs for a citizen (a row while the citizen may
    sign in and a token issued at ``issued`` outlived every logout), to run on its own or
    with a read (:func:`hotline.sqlread.fetch_if`)."""
    if issued is None:
        return _CITIZEN_ACTIVE, [citizen_id]
    since = sqlread.time_param(datetime.fromtimestamp(issued, UTC))
    return _CITIZEN_ACTIVE_SINCE, [citizen_id, since]


def session_ended() -> Unauthorized:
    """The 401 of a token whose subject is gone or signed out everywhere since."""
    return Unauthorized("登录已失效，请重新登录", code="invalid_token")


_CITIZEN_ACTIVE = (
    "SELECT 1 FROM citizen WHERE id = ? AND merged_into_id IS NULL "
    "AND sessions_revoked_at IS NULL"
)
_CITIZEN_ACTIVE_SINCE = (
    "SELECT 1 FROM citizen WHERE id = ? AND merged_into_id IS NULL "
    "AND (sessions_revoked_at IS NULL OR sessions_revoked_at <= ?)"
)
