"""WeChat access tokens shared by every replica.

The token lives in Redis (``hotline:wx:token:<appid>``) when HOTLINE_REDIS_URL is set, else in the
``wechat_access_token`` table (also while Redis cannot be reached: ``hotline.redis_link``);
either way encrypted like other secrets at rest. Each process also keeps it in memory until
HOTLINE_WECHAT_TOKEN_MARGIN_S before it expires. Tokens come from
``cgi-bin/stable_token`` (through the ``fetch`` callable the client passes in), which hands every
caller the same token while it is valid, so replicas refreshing at once do no harm.

When WeChat rejects a token (40001/42001), ``refresh`` first looks for a newer one that another
replica stored; only if there is none does it force a refresh (limited by WeChat per day).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from hotline import redis_link
from hotline import settings as settings_mod
from hotline.crypto import decrypt, encrypt
from models.wechat import AccessToken

log = logging.getLogger("hotline.wechat")

Fetch = Callable[[bool], Awaitable[tuple[str, int]]]  # force_refresh -> (token, expires_in)

_cache: dict[str, tuple[str, float]] = {}
_locks: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Lock]] = {}


def _lock(appid: str) -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    held = _locks.get(appid)
    if held is None or held[0] is not loop:
        held = _locks[appid] = (loop, asyncio.Lock())
    return held[1]


def _usable(expires_at: float) -> bool:
    return expires_at - settings_mod.current().wechat_token_margin_s > time.time()


def _redis_client() -> Any:
    return redis_link.client()


async def load(appid: str) -> tuple[str, float] | None:
    """The shared token and its expiry (epoch seconds), if any."""
    r = _redis_client()
    if r is not None:
        try:
            raw = await r.get(f"hotline:wx:token:{appid}")
        except Exception as exc:
            if not redis_link.unavailable(exc):
                raise
        else:
            if not raw:
                return None
            data = json.loads(raw)
            return decrypt(data["t"]) or "", float(data["e"])
    row = await AccessToken.get_or_none(appid=appid)
    if row is None:
        return None
    return decrypt(row.token_enc) or "", row.expires_at.timestamp()


async def save(appid: str, token: str, expires_at: float) -> None:
    sealed = encrypt(token) or ""
    r = _redis_client()
    if r is not None:
        value = json.dumps({"t": sealed, "e": expires_at})
        try:
            await r.set(f"hotline:wx:token:{appid}", value, exat=int(expires_at) + 1)
            return
        except Exception as exc:
            if not redis_link.unavailable(exc):
                raise
    when = datetime.fromtimestamp(expires_at, UTC)
    if await AccessToken.filter(appid=appid).update(token_enc=sealed, expires_at=when):
        return
    try:
        await AccessToken.create(appid=appid, token_enc=sealed, expires_at=when)
    except IntegrityError:  # another replica stored one at the same moment
        await AccessToken.filter(appid=appid).update(token_enc=sealed, expires_at=when)


async def _fetch_and_store(appid: str, fetch: Fetch, force: bool) -> str:
    token, expires_in = await fetch(force)
    expires_at = time.time() + max(0, expires_in)
    try:
        await save(appid, token, expires_at)
    except Exception:  # the token is good; the next call will try to share it again
        log.exception("could not store the WeChat access token of %s", appid)
    _cache[appid] = (token, expires_at)
    return token


async def current(appid: str, fetch: Fetch) -> str:
    """A valid token: from memory, else the shared store, else a fresh one from WeChat."""
    hit = _cache.get(appid)
    if hit and _usable(hit[1]):
        return hit[0]
    async with _lock(appid):
        hit = _cache.get(appid)
        if hit and _usable(hit[1]):
            return hit[0]
        stored = await load(appid)
        if stored and stored[0] and _usable(stored[1]):
            _cache[appid] = stored
            return stored[0]
        return await _fetch_and_store(appid, fetch, force=False)


async def refresh(appid: str, rejected: str, fetch: Fetch) -> str:
    """WeChat rejected ``rejected``: a newer shared token, else a forced refresh."""
    async with _lock(appid):
        hit = _cache.get(appid)
        if hit and hit[0] != rejected and _usable(hit[1]):
            return hit[0]
        stored = await load(appid)
        if stored and stored[0] and stored[0] != rejected and _usable(stored[1]):
            _cache[appid] = stored
            return stored[0]
        return await _fetch_and_store(appid, fetch, force=True)


def forget() -> None:
    """Drop this process's memory of tokens (the shared store keeps them)."""
    _cache.clear()


async def reset() -> None:
    """Forget tokens and close the Redis connection (tests, shutdown)."""
    forget()
    await redis_link.reset()
