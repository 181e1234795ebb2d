"""Every change of a claim or of its payouts is an audit event, hash chained per claim.

The caller holds the claim's row lock (``lock_claim``), so the chain head it advances is the
one committed; ``(claim, seq)`` is unique, so a forked chain could not be committed anyway.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from audit import log as audit_log
from hotline import chain
from hotline.db import flat_values, lock_first
from identity.principal import Principal
from models.case import Case
from models.reward import RewardAudit, RewardClaim


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
    link = chain.append(
        {"claim": claim.id},
        claim.last_audit_hash,
        claim.audit_count,
        _fields(at, action, actor_role, actor_id, payout_id, data),
    )
    claim.audit_count, claim.last_audit_hash = link.seq, link.hash
    await claim.save(using_db=conn)
    return await RewardAudit.create(
        claim_id=claim.id,
        payout_id=payout_id,
        seq=link.seq,
        at=at,
        action=action,
        actor_role=actor_role,
        actor_id=actor_id,
        data=data,
        prev_hash=link.prev_hash,
        hash=link.hash,
        using_db=conn,
    )


async def log(
    conn: BaseDBAsyncClient,
    who: Principal,
    claim: RewardClaim,
    action: str,
    *,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """The entry of a reward administrator's decision in the global audit log
    (``audit.log``), beside the claim's own chain above; scoped to the unit of the claim's
    case, so that unit's administrators find decisions on their cases."""
    paths = await flat_values(Case.filter(id=claim.case_id).using_db(conn), "unit_path")
    await audit_log.record(
        conn, who, f"reward.{action}", f"reward_claim:{claim.id}",
        scope_path=paths[0] if paths else audit_log.NO_UNIT, before=before, after=after,
    )


def verify_chain(claim: RewardClaim, events: list[RewardAudit]) -> bool:
    """Recompute every link; False if an event was altered, removed, reordered or appended."""
    links = [
        chain.Link(
            ev.seq,
            ev.prev_hash,
            ev.hash,
            _fields(ev.at, ev.action, ev.actor_role, ev.actor_id, ev.payout_id, ev.data),
        )
        for ev in events
    ]
    head = chain.intact_head({"claim": claim.id}, links)
    return head == (claim.last_audit_hash or chain.GENESIS) and len(links) == claim.audit_count
