"""A handling unit's workbench (the console's unit desk): the unit's cases in tabs — to sign,
in hand, soon due (yellow), overdue (red), replied — each sorted by due time, most urgent
first, and the count of every tab in one statement. Scope and rows are the staff queue's
(``casework.queues``): the caller's unit subtree, no personal data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.connection import get_connection

from casework import queues
from casework.transitions import HANDLING, State
from hotline.sqlread import fetch_scan, when
from identity.principal import Principal

IN_HAND = tuple(s.value for s in HANDLING if s != State.DISPATCHED)
TABS: dict[str, str] = {
    "to_sign": "待签收",
    "in_hand": "办理中",
    "yellow": "即将超期",
    "red": "已超期",
    "replied": "已答复",
}
LIMIT = 100


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" * len(values))


def _tab_sql(tab: str, at: Any) -> tuple[str, list[Any]]:
    handling = tuple(s.value for s in HANDLING)
    if tab == "to_sign":
        return " AND status = ?", [State.DISPATCHED.value]
    if tab == "in_hand":
        return f" AND status IN ({_marks(IN_HAND)})", list(IN_HAND)
    if tab == "replied":
        return " AND status = ?", [State.REPLIED.value]
    light_sql, light_params = queues._light_sql("red" if tab == "red" else "yellow", at)
    return f" AND status IN ({_marks(handling)}){light_sql}", [*handling, *light_params]


async def rows(who: Principal, tab: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """The tab's cases (at most :data:`LIMIT`), most urgent first (no due time last)."""
    if tab not in TABS:
        tab = "to_sign"
    now = (now or datetime.now(UTC)).astimezone(UTC)
    scope = await queues.resolve_scope(who)
    at = queues.db_time(get_connection("default"), now)
    where, params = queues.scope_sql(scope)
    clause, values = _tab_sql(tab, at)
    order = "next_due_at DESC, id DESC" if tab == "replied" else (
        "CASE WHEN next_due_at IS NULL THEN 1 ELSE 0 END, next_due_at, id")
    sql = (f'SELECT {", ".join(queues.SUMMARY_FIELDS)} FROM "case" WHERE 1 = 1{where}{clause} '
           f"ORDER BY {order} LIMIT ?")
    found = await fetch_scan(sql, [*params, *values, LIMIT])
    for row in found:
        row["next_due_at"], row["warn_at"] = when(row["next_due_at"]), when(row["warn_at"])
    return [queues.summary(r, scope.names, now) for r in found]


async def counts(who: Principal, now: datetime | None = None) -> dict[str, int]:
    """How many cases each tab holds (one statement over the unit's open and replied cases)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    scope = await queues.resolve_scope(who)
    at = queues.db_time(get_connection("default"), now)
    where, params = queues.scope_sql(scope)
    statuses = tuple(s.value for s in HANDLING) + (State.REPLIED.value,)
    sql = (
        "SELECT status, COUNT(*) AS n, "
        "SUM(CASE WHEN next_due_at < ? THEN 1 ELSE 0 END) AS red, "
        "SUM(CASE WHEN warn_at <= ? AND next_due_at >= ? THEN 1 ELSE 0 END) AS yellow "
        f'FROM "case" WHERE 1 = 1{where} AND status IN ({_marks(statuses)}) GROUP BY status'
    )
    found = await fetch_scan(sql, [at, at, at, *params, *statuses])
    result = dict.fromkeys(TABS, 0)
    for r in found:
        status, n = r["status"], int(r["n"])
        if status == State.DISPATCHED.value:
            result["to_sign"] += n
        elif status in IN_HAND:
            result["in_hand"] += n
        elif status == State.REPLIED.value:
            result["replied"] += n
            continue
        result["red"] += int(r["red"] or 0)
        result["yellow"] += int(r["yellow"] or 0)
    return result
