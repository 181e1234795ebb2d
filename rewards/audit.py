"""Every change of a claim or of its payouts is an audit event, hash chained per claim.

The caller holds the claim's row lock (``lock_claim``), so the chain head it advances is the
one committed; ``(claim, seq)`` is unique, so a forked chain could not be committed anyway.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from hotline.chain import GENESIS, link_hash
from hotline.db import lock_first
from models.reward import RewardAudit, RewardClaim


def audit_hash(prev_hash: str, claim_id: int, seq: int, fields: dict[str, Any]) -> str:
    return link_hash(prev_hash, {"claim": claim_id, "seq": seq}, fields)


def _fields(
    at: datetime,
    action: str,
    actor_role: str,
    actor_id: str | None,
    payout_id: int | None,
    data: dict[str, Any],
) -> dict[str, Any]:
    return {
        "at": at.astimezone(UTC).isoformat(),
        "action": action,
        "actor_role": actor_role,
        "actor_id": actor_id,
        "payout_id": payout_id,
        "data": data,
    }


async def lock_claim(conn: BaseDBAsyncClient, **filters: Any) -> RewardClaim | None:
    """The claim, row-locked until the transaction ends (SQLite serializes writers anyway)."""
    return await lock_first(conn, RewardClaim, **filters)


async def record(
    conn: BaseDBAsyncClient,
    claim: RewardClaim,
    action: str,
    *,
    at: datetime,
    actor_role: str = "system",
    actor_id: str | None = None,
    payout_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> RewardAudit:
    """Append the next event and save the claim (with its new chain head) in ``conn``."""
    data = json.loads(json.dumps(data or {}, ensure_ascii=False, default=str))
    at = at.astimezone(UTC)
    seq = claim.audit_count + 1
    prev = claim.last_audit_hash or GENESIS
    fields = _fields(at, action, actor_role, actor_id, payout_id, data)
    digest = audit_hash(prev, claim.id, seq, fields)
    claim.audit_count, claim.last_audit_hash = seq, digest
    await claim.save(using_db=conn)
    return await RewardAudit.create(
        claim_id=claim.id,
        payout_id=payout_id,
        seq=seq,
        at=at,
        action=action,
        actor_role=actor_role,
        actor_id=actor_id,
        data=data,
        prev_hash=prev,
        hash=digest,
        using_db=conn,
    )


def verify_chain(claim: RewardClaim, events: list[RewardAudit]) -> bool:
    """Recompute every link; False if an event was altered, removed, reordered or appended."""
    prev = GENESIS
    ordered = sorted(events, key=lambda e: e.seq)
    for expected, ev in enumerate(ordered, start=1):
        fields = _fields(ev.at, ev.action, ev.actor_role, ev.actor_id, ev.payout_id, ev.data)
        if ev.seq != expected or ev.prev_hash != prev:
            return False
        if audit_hash(prev, claim.id, ev.seq, fields) != ev.hash:
            return False
        prev = ev.hash
    return prev == (claim.last_audit_hash or GENESIS) and len(ordered) == claim.audit_count
