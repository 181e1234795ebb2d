"""Appending to the audit log.

Every administration write, staff case action, reward decision and staff sign-in appends one
entry ``{at, actor, action, target, before, after}`` in the same transaction as the change it
records, so a committed change always has its entry and a rolled-back one never does. Entries
form one hash chain (:mod:`hotline.chain`); the append locks the chain's head row, which every
writer takes last, after the rows it changes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from hotline import chain, rows
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


@dataclass(frozen=True)
class Entry:
    """One entry to append with :func:`record_many` (the arguments of :func:`record`)."""

    actor: Actor | Principal | None
    action: str
    target: str
    scope_path: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def deeper_path(first: str, second: str) -> str:
    """Of two unit paths an entry concerns, the deeper (``second`` when equally deep): the
    one whose administrators should find the entry (they see the whole subtree below)."""
    return first if first.count("/") > second.count("/") else second


async def _locked_head(conn: BaseDBAsyncClient) -> AuditHead:
    head = await lock_first(conn, AuditHead, id=1)
    if head is None:  # a database migrated before the head row existed
        head = await AuditHead.create(id=1, count=0, last_hash=None, using_db=conn)
    return head


def _next(head: AuditHead, e: Entry, at: datetime) -> dict[str, Any]:
    """The columns of the link after ``head`` (advanced in memory)."""
    who = e.actor if isinstance(e.actor, Actor) else Actor.of(e.actor)
    before, after = plain(e.before), plain(e.after)
    actor, target = who.name[:64], e.target[:128]
    fields = link_fields(at, actor, who.id, e.action, target, e.scope_path, before, after)
    link = chain.append(CHAIN_KEY, head.last_hash, head.count, fields)
    head.count, head.last_hash = link.seq, link.hash
    return {
        "seq": link.seq, "at": at, "actor": actor, "actor_id": who.id, "action": e.action,
        "target": target, "scope_path": e.scope_path, "before": before, "after": after,
        "prev_hash": link.prev_hash, "hash": link.hash,
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
    at = (at or datetime.now(UTC)).astimezone(UTC)
    head = await _locked_head(conn)
    row = _next(head, Entry(actor, action, target, scope_path, before, after), at)
    await head.save(using_db=conn, update_fields=["count", "last_hash"])
    return await AuditEntry.create(**row, using_db=conn)


async def record_many(conn: BaseDBAsyncClient, entries: Sequence[Entry]) -> None:
    """Append several entries at once (a batch of filings): one lock of the head, one INSERT,
    one UPDATE of the head."""
    if not entries:
        return
    at = datetime.now(UTC)
    head = await _locked_head(conn)
    new = [rows.new_row(AuditEntry, **_next(head, e, at)) for e in entries]
    await head.save(using_db=conn, update_fields=["count", "last_hash"])
    await rows.insert(conn, AuditEntry, new)


async def record_alone(
    actor: Actor | Principal | None, action: str, target: str, *, scope_path: str,
    before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
) -> AuditEntry:
    """:func:`record` in a transaction of its own (an event with no other write, a sign-in)."""
    async with in_transaction() as conn:
        return await record(conn, actor, action, target, scope_path=scope_path,
                            before=before, after=after)
