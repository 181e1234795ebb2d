"""Partner API keys: made here, shown once, kept as a keyed digest, checked on every request.

A key is ``hlp_`` and 43 random URL-safe characters. Only ``lookup_hash(key, "partner_key")``
(an HMAC under the data key) is stored; the row is found by that digest and the digests are
compared again in constant time. A deactivated partner's key is refused at its next request.

A rotated key (``partners.rotation``) leaves the previous one working until ``old_key_until``
(the overlap); revoking it, or a rotation without overlap, refuses it at once.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime

from tortoise.expressions import Q

from hotline.crypto import lookup_hash
from hotline.errors import Forbidden, Unauthorized
from identity.principal import Principal
from models.org import Unit
from models.partner import Partner

KEY_PREFIX = "hlp_"
SCOPES = ("cases:create", "cases:read", "events")
MAX_KEY_LENGTH = 128
CHANNEL = "partner"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(api_key: str) -> str:
    return lookup_hash(api_key, "partner_key")


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


async def authenticate(api_key: str | None, scope: str) -> Partner:
    """The active partner holding ``api_key``: 401 ``invalid_api_key`` for a missing, unknown
    or revoked key, 403 ``scope_missing`` when the partner lacks ``scope``."""
    if not api_key or len(api_key) > MAX_KEY_LENGTH or not api_key.isascii():
        raise Unauthorized("缺少或无效的 API 密钥", code="invalid_api_key")
    wanted = digest(api_key)
    now = datetime.now(UTC)
    partner = await Partner.filter(
        Q(key_digest=wanted) | Q(old_key_digest=wanted, old_key_until__gt=now), active=True
    ).first()
    if partner is None or not _matches(partner, wanted, now):
        raise Unauthorized("缺少或无效的 API 密钥", code="invalid_api_key")
    if scope not in partner.scopes:
        raise Forbidden(f"该合作系统没有 {scope} 权限", code="scope_missing")
    return partner


def _matches(partner: Partner, wanted: str, now: datetime) -> bool:
    current = hmac.compare_digest(partner.key_digest, wanted)
    old = partner.old_key_digest or ""
    in_overlap = partner.old_key_until is not None and partner.old_key_until > now
    return current | (hmac.compare_digest(old, wanted) & in_overlap)


def principal(partner: Partner, unit_path: str | None = None) -> Principal:
    """The caller every service sees for a partner's request (``partner:<id>`` scopes its
    idempotency keys and rate limits; ``unit_path``: the subtree a unit's OA system acts in)."""
    return Principal(kind="partner", id=partner.id, channel=CHANNEL, unit_id=partner.unit_id,
                     unit_path=unit_path, name=partner.name, roles=frozenset({"partner"}))


async def acting(partner: Partner) -> Principal:
    """:func:`principal` with the unit's path looked up (None for a province-wide partner)."""
    path = None
    if partner.unit_id is not None:
        unit = await Unit.get_or_none(id=partner.unit_id).only("id", "path")
        path = unit.path if unit else None
    return principal(partner, path)
