"""Supervisors' task queues: the open ``case_task`` rows of a kind within the caller's scope.

Tasks are written by the steps (``casework.steps``): ``verification`` after an unsatisfied
rating, ``callback`` after an unsatisfied rating of a known citizen or a first petition's reply,
``extension`` when a unit asks for more time; the matching step (``verify``, ``callback``,
``extension_decision``) closes it. Oldest first (the longest waiting at the top), keyset cursor
on the task id. Items carry the case's queue summary (``casework.queues.summary``: no personal
data) plus what the decision needs: the latest score, the days asked for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from casework import queues, views
from hotline import cursors
from hotline.sqlread import fetch_scan, when
from identity.principal import Principal

TaskKind = Literal["verification", "callback", "extension"]
KINDS: dict[str, str] = {"verification": "不满意核实", "callback": "回访", "extension": "延期审核"}
# the step that closes a task of each kind (a transition of casework.transitions)
ACTIONS: dict[str, str] = {
    "verification": "verify", "callback": "callback", "extension": "extension_decision",
}
MAX_LIMIT = 100

_COLUMNS = ", ".join(f"c.{f}" for f in queues.SUMMARY_FIELDS if f != "id")


def _sql(scope_clause: str, after: bool) -> str:
    return (
        f"SELECT t.id AS task_id, t.created_at AS task_at, c.id, {_COLUMNS}, c.rating, "
        'c.extension_requested_days FROM case_task t JOIN "case" c ON c.id = t.case_id '
        f"WHERE t.kind = ? AND t.status = 'open'{scope_clause}"
        f"{' AND t.id > ?' if after else ''} ORDER BY t.id LIMIT ?"
    )


async def open_tasks(
    who: Principal, kind: TaskKind, *, limit: int = 20, cursor: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One page of the open tasks of ``kind``: ``{items, next_cursor}``."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    limit = max(1, min(limit, MAX_LIMIT))
    scope = await queues.resolve_scope(who)
    clause, params = queues.scope_sql(scope, "c.unit_path")
    after = cursors.read(cursor, "t", 1)[0] if cursor else None
    args = [kind, *params, *([after] if after is not None else []), limit + 1]
    rows = await fetch_scan(_sql(clause, after is not None), args)
    page = rows[:limit]
    items = []
    for r in page:
        r["next_due_at"], r["warn_at"] = when(r["next_due_at"]), when(r["warn_at"])
        items.append({
            "task_id": r["task_id"],
            "kind": kind,
            "kind_label": KINDS[kind],
            "waiting_since": views.iso(when(r["task_at"])),
            "case": queues.summary(r, scope.names, now),
            "rating": r["rating"],
            "rating_label": views.SCORE_LABELS.get(r["rating"]) if r["rating"] else None,
            "extension_days": r["extension_requested_days"],
        })
    next_cursor = cursors.sign("t", page[-1]["task_id"]) if len(rows) > limit else None
    return {"items": items, "next_cursor": next_cursor}


async def open_counts(who: Principal) -> dict[str, int]:
    """How many tasks of each kind are open in the caller's scope."""
    scope = await queues.resolve_scope(who)
    clause, params = queues.scope_sql(scope, "c.unit_path")
    rows = await fetch_scan(
        'SELECT t.kind, COUNT(*) AS n FROM case_task t JOIN "case" c ON c.id = t.case_id '
        f"WHERE t.status = 'open'{clause} GROUP BY t.kind", params)
    found = {str(r["kind"]): int(r["n"]) for r in rows}
    return {kind: found.get(kind, 0) for kind in KINDS}
