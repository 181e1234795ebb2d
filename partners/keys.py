"""Partner API keys: made here, shown once, kept as a keyed digest, checked on every request.

A key is ``hlp_`` and 43 random URL-safe characters. Only ``lookup_hash(key, "partner_key")``
(an HMAC under the data key) is stored; the row is found by that digest and the digests are
compared again in constant time. A deactivated partner's key is refused at its next request.
"""

from __future__ import annotations

import hmac
import secrets

from hotline.crypto import lookup_hash
from hotline.errors import Forbidden, Unauthorized
from identity.principal import Principal
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
    partner = await Partner.get_or_none(key_digest=wanted, active=True)
    if partner is None or not hmac.compare_digest(partner.key_digest, wanted):
        raise Unauthorized("缺少或无效的 API 密钥", code="invalid_api_key")
    if scope not in partner.scopes:
        raise Forbidden(f"该合作系统没有 {scope} 权限", code="scope_missing")
    return partner


def principal(partner: Partner) -> Principal:
    """The caller every service sees for a partner's request (``partner:<id>`` scopes its
    idempotency keys and rate limits)."""
    return Principal(kind="partner", id=partner.id, channel=CHANNEL, unit_id=partner.unit_id,
                     name=partner.name)
