"""The append-only, hash-chained case timeline (环环有痕迹)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotline.chain import GENESIS, link_hash
from models.case import Case, CaseEvent


def event_hash(prev_hash: str, tracking_no: str, seq: int, fields: dict[str, Any]) -> str:
    return link_hash(prev_hash, {"case": tracking_no, "seq": seq}, fields)


@dataclass(frozen=True)
class EventDraft:
    """The next link of a case's chain, ready to be saved once the case has an id."""

    fields: dict[str, Any]

    def to_model(self, case_id: int) -> CaseEvent:
        return CaseEvent(case_id=case_id, **self.fields)


def new_event(
    case: Case,
    *,
    action: str,
    actor_role: str,
    actor_id: str | None,
    at: datetime,
    note: str = "",
    public: bool = True,
    data: dict[str, Any] | None = None,
) -> EventDraft:
    """Build the next event of ``case`` and advance the case's chain head (caller saves both)."""
    seq = case.event_count + 1
    prev = case.last_event_hash or GENESIS
    fields = {
        "at": at.isoformat(),
        "action": action,
        "actor_role": actor_role,
        "actor_id": actor_id,
        "note": note,
        "public": public,
        "data": data or {},
    }
    digest = event_hash(prev, case.tracking_no, seq, fields)
    case.event_count = seq
    case.last_event_hash = digest
    return EventDraft(
        {
            "seq": seq,
            "at": at,
            "action": action,
            "actor_role": actor_role,
            "actor_id": actor_id,
            "note": note,
            "public": public,
            "data": data or {},
            "prev_hash": prev,
            "hash": digest,
        }
    )


def verify_chain(tracking_no: str, events: list[CaseEvent]) -> bool:
    """Recompute every hash; False if any event was altered, removed or reordered."""
    prev = GENESIS
    for expected_seq, ev in enumerate(sorted(events, key=lambda e: e.seq), start=1):
        fields = {
            "at": ev.at.isoformat(),
            "action": ev.action,
            "actor_role": ev.actor_role,
            "actor_id": ev.actor_id,
            "note": ev.note,
            "public": ev.public,
            "data": ev.data,
        }
        if ev.seq != expected_seq or ev.prev_hash != prev:
            return False
        if event_hash(prev, tracking_no, ev.seq, fields) != ev.hash:
            return False
        prev = ev.hash
    return True
