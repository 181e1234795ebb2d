"""The append-only, hash-chained case timeline (环环有痕迹), on ``hotline.chain``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from hotline import chain
from models.case import CaseEvent


def _fields(
    at: datetime,
    action: str,
    actor_role: str,
    actor_id: str | None,
    note: str,
    public: bool,
    data: dict[str, Any],
) -> dict[str, Any]:
    """What an event's hash covers (besides the case's tracking number and the seq)."""
    return {
        "at": at.isoformat(),
        "action": action,
        "actor_role": actor_role,
        "actor_id": actor_id,
        "note": note,
        "public": public,
        "data": data,
    }


@dataclass(frozen=True)
class EventDraft:
    """The next link of a case's chain, ready to be saved once the case has an id."""

    fields: dict[str, Any]

    def to_model(self, case_id: int) -> CaseEvent:
        return CaseEvent(case_id=case_id, **self.fields)


class ChainHead(Protocol):
    """What :func:`new_event` reads and advances: a case, or the sweeper's light row of one."""

    tracking_no: str
    event_count: int
    last_event_hash: str


def new_event(
    case: ChainHead,
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
    data = data or {}
    link = chain.append(
        {"case": case.tracking_no},
        case.last_event_hash,
        case.event_count,
        _fields(at, action, actor_role, actor_id, note, public, data),
    )
    case.event_count = link.seq
    case.last_event_hash = link.hash
    return EventDraft(
        {
            "seq": link.seq,
            "at": at,
            "action": action,
            "actor_role": actor_role,
            "actor_id": actor_id,
            "note": note,
            "public": public,
            "data": data,
            "prev_hash": link.prev_hash,
            "hash": link.hash,
        }
    )


def verify_chain(tracking_no: str, events: list[CaseEvent]) -> bool:
    """Recompute every hash; False if any event was altered, removed or reordered."""
    links = (
        chain.Link(
            ev.seq,
            ev.prev_hash,
            ev.hash,
            _fields(ev.at, ev.action, ev.actor_role, ev.actor_id, ev.note, ev.public, ev.data),
        )
        for ev in events
    )
    return chain.intact_head({"case": tracking_no}, links) is not None
