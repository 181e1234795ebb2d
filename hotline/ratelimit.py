"""Fixed-window rate limits shared by all replicas: in Redis when configured, else the database."""

from __future__ import annotations

import time

from tortoise.connection import get_connection

from hotline import settings as settings_mod
from hotline.db import placeholders
from hotline.errors import RateLimited

_redis = None


def _redis_client():  # type: ignore[no-untyped-def]
    global _redis
    url = settings_mod.current().redis_url
    if not url:
        return None
    if _redis is None:
        import redis.asyncio as redis

        _redis = redis.from_url(url)
    return _redis


async def reset_redis() -> None:
    global _redis
    if _redis is not None:
        await _redis.aclose()
    _redis = None


async def hit(key: str, limit: int, window_s: int) -> None:
    """Count one hit on ``key``; raise ``RateLimited`` when the window already holds ``limit``."""
    now = time.time()
    window = int(now // window_s)
    retry_after = int((window + 1) * window_s - now) + 1
    client = _redis_client()
    if client is not None:
        rkey = f"hotline:rl:{key}:{window}"
        pipe = client.pipeline()
        pipe.incr(rkey)
        pipe.expire(rkey, window_s + 5)
        count, _ = await pipe.execute()
    else:
        conn = get_connection("default")
        ph = placeholders(conn, 2)
        rows = await conn.execute_query_dict(
            "INSERT INTO rate_bucket (key, \"window\", count) VALUES "
            f"({ph[0]}, {ph[1]}, 1) ON CONFLICT (key, \"window\") "
            "DO UPDATE SET count = rate_bucket.count + 1 RETURNING count",
            [key, window],
        )
        count = rows[0]["count"]
    if count > limit:
        raise RateLimited(retry_after)
