"""Appending to the audit log.

Every administration write, staff case action, reward decision and staff sign-in appends one
entry ``{at, actor, action, target, before, after}`` in the same transaction as the change it
records, so a committed change always has its entry and a rolled-back one never does. Entries
form one hash chain (:mod:`hotline.chain`); the append locks the chain's head row, which every
writer takes last, after the rows it changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from hotline import chain
from hotline.db import lock_first
from identity.principal import Principal
from models.audit import AuditEntry, AuditHead

CHAIN_KEY = {"audit": "global"}
SYSTEM = "system"
# the scope of an entry about no unit (a sign-in under an unknown username): only the
# administrators of the root unit, who read every entry, see it
NO_UNIT = "/"


@dataclass(frozen=True)
class Actor:
    """Who an entry names: ``name`` as shown (a username, ``system``…), ``id`` the staff id."""

    name: str
    id: int | None = None

    @classmethod
    def of(cls, who: Principal | None) -> Actor:
        if who is None:
            return cls(SYSTEM)
        if who.kind == "staff":
            return cls(who.name or f"staff:{who.id}", who.id)
        return cls(f"{who.kind}:{who.id}")


def plain(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """``data`` as JSON holds it (dates as ISO text), so the hash covers what is stored."""
    if data is None:
        return None
    out: dict[str, Any] = json.loads(json.dumps(data, ensure_ascii=False, default=str))
    return out


def link_fields(
    at: datetime, actor: str, actor_id: int | None, action: str, target: str, scope_path: str,
    before: dict[str, Any] | None, after: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "at": at.astimezone(UTC).isoformat(),
        "actor": actor,
        "actor_id": actor_id,
        "action": action,
        "target": target,
        "scope_path": scope_path,
        "before": before,
        "after": after,
    }


async def record(
    conn: BaseDBAsyncClient,
    actor: Actor | Principal | None,
    action: str,
    target: str,
    *,
    scope_path: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append an entry inside ``conn``'s transaction (call it after the change it records)."""
    who = actor if isinstance(actor, Actor) else Actor.of(actor)
    at = (at or datetime.now(UTC)).astimezone(UTC)
    before, after = plain(before), plain(after)
    head = await lock_first(conn, AuditHead, id=1)
    if head is None:  # a database migrated before the head row existed
        head = await AuditHead.create(id=1, count=0, last_hash=None, using_db=conn)
    fields = link_fields(at, who.name[:64], who.id, action, target[:128], scope_path,
                         before, after)
    link = chain.append(CHAIN_KEY, head.last_hash, head.count, fields)
    head.count, head.last_hash = link.seq, link.hash
    await head.save(using_db=conn, update_fields=["count", "last_hash"])
    return await AuditEntry.create(
        seq=link.seq, at=at, actor=who.name[:64], actor_id=who.id, action=action,
        target=target[:128], scope_path=scope_path, before=before, after=after,
        prev_hash=link.prev_hash, hash=link.hash, using_db=conn,
    )


async def record_alone(
    actor: Actor | Principal | None, action: str, target: str, *, scope_path: str,
    before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
) -> AuditEntry:
    """:func:`record` in a transaction of its own (an event with no other write, a sign-in)."""
    async with in_transaction() as conn:
        return await record(conn, actor, action, target, scope_path=scope_path,
                            before=before, after=after)
