"""The one Redis connection of a process, and what to do when Redis is away.

Redis is optional and never the only copy of anything (rate-limit counters, lockouts, WeChat
tokens, leases all have their table). When a call fails with a connection error or a timeout,
the caller marks Redis down (:func:`failed`) and uses the database instead; :func:`client`
then answers ``None`` for ``RETRY_S`` seconds before Redis is tried again, so an outage costs
one short connect timeout every few seconds, not one per request. Counters kept in the
database during an outage are not copied back: a limit may allow up to twice its count across
the switch, never fewer.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from hotline import settings as settings_mod

log = logging.getLogger("hotline.redis")

RETRY_S = 5.0
CONNECT_TIMEOUT_S = 0.5
TIMEOUT_S = 1.0

_client: Any = None
_url = ""
_down_until = 0.0


def _errors() -> tuple[type[BaseException], ...]:
    import redis.exceptions

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


def client() -> Any:
    """The shared client, or ``None`` without Redis (or while it is marked down)."""
    global _client, _url
    url = settings_mod.current().redis_url
    if not url or time.monotonic() < _down_until:
        return None
    if _client is None or _url != url:
        import redis.asyncio as redis

        _client = redis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=TIMEOUT_S
        )
        _url = url
    return _client


def unavailable(exc: BaseException) -> bool:
    """True (and Redis marked down for a while) when ``exc`` says Redis cannot be reached."""
    global _down_until
    if not isinstance(exc, _errors()):
        return False
    if time.monotonic() >= _down_until:
        log.warning("Redis unavailable (%s); using the database for %.0f s", exc, RETRY_S)
    _down_until = time.monotonic() + RETRY_S
    return True


async def reset() -> None:
    """Close the client and forget any outage (tests, shutdown)."""
    global _client, _url, _down_until
    if _client is not None:
        try:
            await _client.aclose()
        except Exception:  # noqa: BLE001 - closing a dead connection
            pass
    _client, _url, _down_until = None, "", 0.0
