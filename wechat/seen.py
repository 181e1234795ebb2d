"""Handling each official-account message once, however often WeChat retries it.

WeChat re-posts a message it thinks timed out (three tries, the same ``MsgId``; events keep the
sender and ``CreateTime``). A ``SeenMessage`` row per key records that it was handled and the
reply given (encrypted: replies can hold a query code), so a retry gets the same answer and
changes nothing:

- ``once(key, step)``: the claim, the step's writes and the reply commit in one transaction; a
  concurrent duplicate fails on the primary key and gets the winner's reply.
- ``claim``/``settle``/``release``: for a step that runs its own transactions (提交).
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from hotline.crypto import decrypt, encrypt
from models.wechat import ChatDraft, SeenMessage

KEEP = timedelta(days=2)
PRUNE_ONE_IN = 500

Step = Callable[[BaseDBAsyncClient], Awaitable[str]]


def _seal(reply: str) -> str:
    return encrypt(reply) or "" if reply else ""


async def earlier(key: str) -> str | None:
    """The reply already given for ``key``, or None if it was never handled."""
    row = await SeenMessage.get_or_none(key=key)
    if row is None:
        return None
    return (decrypt(row.reply) or "") if row.reply else ""


async def once(key: str, step: Step) -> tuple[str, bool]:
    """Run ``step`` at most once for ``key``; (reply, whether it ran now)."""
    for attempt in range(2):
        before = await earlier(key)
        if before is not None:
            return before, False
        try:
            async with in_transaction() as conn:
                await SeenMessage.create(key=key, using_db=conn)
                reply = await step(conn)
                await SeenMessage.filter(key=key).using_db(conn).update(reply=_seal(reply))
        except IntegrityError:
            # a concurrent duplicate won (its reply is ours), or the step raced another
            # message of the same sender (e.g. both created the draft): try once more
            if attempt:
                raise
            continue
        return reply, True
    raise AssertionError("unreachable")


async def claim(key: str) -> bool:
    try:
        await SeenMessage.create(key=key)
    except IntegrityError:
        return False
    return True


async def settle(key: str, reply: str) -> None:
    await SeenMessage.filter(key=key).update(reply=_seal(reply))


async def release(key: str) -> None:
    await SeenMessage.filter(key=key).delete()


async def maybe_prune(draft_ttl_s: int) -> None:
    """Now and then drop old keys and long-expired drafts (cheap, and every replica helps)."""
    if random.randrange(PRUNE_ONE_IN):
        return
    now = datetime.now(UTC)
    await SeenMessage.filter(created_at__lt=now - KEEP).delete()
    await ChatDraft.filter(updated_at__lt=now - timedelta(seconds=2 * draft_ttl_s)).delete()
