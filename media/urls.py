"""Short-lived signed photo URLs, for clients that cannot send headers (mini-program ``<image>``).

A URL is ``/api/v1/photos/{id}/{variant}?exp=<unix seconds>&sig=<base64url HMAC-SHA256>``; the MAC
covers the photo id, the variant and the expiry, under a key derived from ``secret_key`` for this
purpose only. Expiries are rounded up to the minute so that a photo shown twice within a minute
gets the same URL (and the client's image cache can reuse it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Final

VARIANTS: Final = ("display", "thumb")
PATH_PREFIX: Final = "/api/v1/photos"
_PURPOSE: Final = b"hotline/photo-url/v1"
_ROUND_S: Final = 60
_MAX_SIG_CHARS: Final = 64


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), _PURPOSE, hashlib.sha256).digest()


def signature(secret_key: str, photo_id: int, variant: str, exp: int) -> str:
    mac = hmac.new(_key(secret_key), f"{photo_id}:{variant}:{exp}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def expiry(ttl_s: int, now: float | None = None) -> int:
    """Unix time ``ttl_s`` from now, rounded up to the next full minute."""
    at = int(now if now is not None else time.time()) + max(1, ttl_s)
    return -(-at // _ROUND_S) * _ROUND_S


def signed_url(
    base_url: str, secret_key: str, photo_id: int, variant: str, exp: int
) -> str:
    if variant not in VARIANTS:
        raise ValueError(f"unknown photo variant {variant!r}")
    sig = signature(secret_key, photo_id, variant, exp)
    return f"{base_url.rstrip('/')}{PATH_PREFIX}/{photo_id}/{variant}?exp={exp}&sig={sig}"


def verify(
    secret_key: str,
    photo_id: int,
    variant: str,
    exp: str | None,
    sig: str | None,
    now: float | None = None,
) -> int | None:
    """Seconds the URL stays valid (> 0) when signature and expiry check out, else ``None``."""
    if variant not in VARIANTS or not exp or not sig or len(sig) > _MAX_SIG_CHARS:
        return None
    if not exp.isascii() or not exp.isdigit() or len(exp) > 12:
        return None
    expected = signature(secret_key, photo_id, variant, int(exp))
    if not hmac.compare_digest(expected.encode(), sig.encode("utf-8", "replace")):
        return None
    remaining = int(exp) - int(now if now is not None else time.time())
    return remaining if remaining > 0 else None
