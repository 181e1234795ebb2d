"""A case's due times: set, met, recomputed. Deadlines are stored; lights are computed from them.

Each due is kept as a timestamp column (``due_<kind>``) plus how it was computed in
``case.due_meta`` (rule, start, amount, warn time, provisional), so ``next_due_at``/``warn_at``
can be derived without the calendar, and every due can be recomputed after a calendar import.
"""

from __future__ import annotations

from datetime import datetime

from casework.calendar import WorkCalendar
from casework.deadlines import (
    MILESTONES,
    PROCEDURE_LIMITS,
    Due,
    Limit,
    add_limit,
    dispatch_due,
    procedure_limits,
    sign_due,
)
from models.case import Case

KINDS = ("dispatch", "sign", "transfer", "notice", "complete")
# the columns this module writes (for partial saves)
DUE_FIELDS = [f"due_{k}" for k in KINDS] + [
    "due_meta", "met", "next_due_kind", "next_due_at", "warn_at", "provisional_deadline",
]
SIGN_HOURS = 2


def _compute(cal: WorkCalendar, rule: str, start: datetime, n: int) -> Due:
    if rule == "dispatch":
        return dispatch_due(cal, start)
    if rule == "sign":
        return sign_due(cal, start, n or SIGN_HOURS)
    if rule == "days":
        return add_limit(cal, start, Limit(n, "days"))
    if rule == "working_days":
        return add_limit(cal, start, Limit(n, "working_days"))
    raise ValueError(f"unknown deadline rule {rule!r}")


def set_due(
    case: Case, cal: WorkCalendar, kind: str, rule: str, start: datetime, n: int = 0
) -> Due:
    due = _compute(cal, rule, start, n)
    setattr(case, f"due_{kind}", due.at)
    meta = dict(case.due_meta or {})
    meta[kind] = {
        "rule": rule,
        "from": start.isoformat(),
        "n": n,
        "warn": due.warn_at.isoformat(),
        "prov": due.provisional,
    }
    case.due_meta = meta
    case.met = [k for k in (case.met or []) if k != kind]
    return due


def set_procedure_dues(
    case: Case, cal: WorkCalendar, procedure: str, extension_days: int = 0
) -> None:
    """Transfer/notice/complete of ``procedure``, counted from submission (a dispatch)."""
    limits = procedure_limits(procedure, extension_days)
    for kind in MILESTONES:
        limit = limits.get(kind)
        if limit is None:
            clear_due(case, kind)
        else:
            set_due(case, cal, kind, limit.unit, case.created_at, limit.amount)


def extend_completion(case: Case, cal: WorkCalendar, days: int) -> Due:
    """An approved extension: the completion due of the case's procedure plus ``days``,
    still counted from submission (the other dues and what was met stay as they are)."""
    limit = procedure_limits(case.procedure or "", days)["complete"]
    return set_due(case, cal, "complete", limit.unit, case.created_at, limit.amount)


def restart_completion(case: Case, cal: WorkCalendar, start: datetime) -> Due:
    """A reopened case: the full completion limit of its procedure again, counted from
    ``start`` (an immediate answer reopened is handled as a simple case)."""
    if "complete" not in PROCEDURE_LIMITS.get(case.procedure or "", {}):
        case.procedure = "simple"
    limit = procedure_limits(case.procedure or "simple")["complete"]
    return set_due(case, cal, "complete", limit.unit, start, limit.amount)


def clear_due(case: Case, kind: str) -> None:
    setattr(case, f"due_{kind}", None)
    meta = dict(case.due_meta or {})
    meta.pop(kind, None)
    case.due_meta = meta


def clear_all(case: Case) -> None:
    for kind in KINDS:
        clear_due(case, kind)
    case.met = []
    refresh_next(case)


def meet(case: Case, *kinds: str) -> None:
    case.met = sorted(set(case.met or []) | set(kinds))


def refresh_next(case: Case) -> None:
    """Derive next_due_kind/at, warn_at and provisional_deadline from the stored dues.

    ``next_due_at`` is the earliest due not met (ties go to the first of :data:`KINDS`)."""
    met = set(case.met or [])
    meta = case.due_meta or {}
    best: tuple[datetime, str] | None = None
    for kind in KINDS:
        at = getattr(case, f"due_{kind}")
        if at is None or kind in met or kind not in meta:
            continue
        if best is None or at < best[0]:
            best = (at, kind)
    if best is None:
        case.next_due_kind = case.next_due_at = case.warn_at = None
    else:
        case.next_due_at, case.next_due_kind = best
        case.warn_at = datetime.fromisoformat(meta[best[1]]["warn"])
    case.provisional_deadline = any(
        m.get("prov") for k, m in meta.items() if k not in met and getattr(case, f"due_{k}")
    )


def recompute(case: Case, cal: WorkCalendar) -> None:
    """Recompute every stored due with the current calendar (after a year is imported)."""
    for kind, m in list((case.due_meta or {}).items()):
        was_met = kind in (case.met or [])
        set_due(case, cal, kind, m["rule"], datetime.fromisoformat(m["from"]), m["n"])
        if was_met:
            meet(case, kind)
    refresh_next(case)
