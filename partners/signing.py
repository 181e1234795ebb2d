"""Signing a webhook delivery, and checking one as a receiver does.

``X-Hotline-Signature: sha256=HEX`` where HEX is HMAC-SHA256 over ``timestamp + "." + body``
under the partner's webhook secret, and the timestamp (Unix seconds) is ``X-Hotline-Timestamp``.
While a rotated secret's overlap lasts, the header carries one signature per secret, new first,
separated by ``", "`` (``sha256=NEW, sha256=OLD``): a receiver accepts the delivery when any of
them matches the secret it holds. A receiver refuses timestamps older than five minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE = "X-Hotline-Signature"
TIMESTAMP = "X-Hotline-Timestamp"
EVENT = "X-Hotline-Event"
EVENT_ID = "X-Hotline-Event-Id"
TOLERANCE_S = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def headers(
    secrets: list[str], event_type: str, event_id: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    """The headers of one delivery attempt (signed afresh at each attempt: a retry a day later
    is not refused as stale)."""
    stamp = str(int(now if now is not None else time.time()))
    return {
        "Content-Type": "application/json",
        EVENT: event_type,
        EVENT_ID: event_id,
        TIMESTAMP: stamp,
        SIGNATURE: ", ".join(signature(s, stamp, body) for s in secrets),
    }


def verify(
    secret: str, header: str | None, timestamp: str | None, body: bytes,
    *, now: float | None = None, tolerance: float = TOLERANCE_S,
) -> bool:
    """Whether a delivery is authentic and fresh: what a receiver checks before trusting it."""
    if not header or not timestamp or not timestamp.isdigit():
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))
