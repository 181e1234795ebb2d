"""The deadline sweeper: yellow/red reminders and the automatic 督办, exactly once each.

A pass (:func:`sweep`) runs three range queries over the stored deadlines, in batches of
``batch_size`` rows, one transaction per batch:

* red — open cases with ``next_due_at < now``: notify the responsible unit (``unit_red``) and
  the supervisors above it (``supervisor_red``, recipient ``supervisors`` / that unit's id);
* yellow — open cases with ``warn_at <= now <= next_due_at``: notify the unit (``unit_yellow``);
* supervise — cases still being handled (``HANDLING``) whose completion deadline passed before
  the current working day began, i.e. from 00:00 of the first working day after the day of
  ``due_complete``: a ``supervise`` timeline event by the system and ``unit_supervised``.

"Exactly once" is decided by the unique ``case_alert (case, due_kind, due_at, colour)``: each
batch inserts its alerts with ``ON CONFLICT DO NOTHING RETURNING`` and writes messages (and
events) only for the rows it inserted, in the same transaction. On PostgreSQL the candidate
rows are locked ``FOR NO KEY UPDATE SKIP LOCKED``, so concurrent sweepers share the work and a
case being changed by a transition (which holds its row lock) waits for the next pass.

The responsible unit is the one whose path is the case's ``unit_path`` (the 12345 centre for a
case not dispatched yet, or returned), falling back to ``unit_id``, then the centre.
Deadlines older than ``lookback`` when first seen are left alone (they are red in every queue);
the default covers a petition's notice deadline missed ~75 days before its extended completion.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time as clock
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from casework import reference
from casework.calendar import WorkCalendar
from casework.calendar_store import load_calendar
from casework.queues import db_time, from_db_time
from casework.timeline import new_event
from casework.transitions import HANDLING, OPEN_STATES
from hotline import metrics
from hotline.db import dialect_sql
from hotline.timefmt import SHANGHAI
from models.org import Unit
from notify.outbox import seal_params
from notify.templates import DUE_LABELS, TEMPLATES

log = logging.getLogger("hotline.sweeper")

BATCH_SIZE = 500
DEFAULT_LOOKBACK = timedelta(days=120)
AUTO_SUPERVISE_NOTE = "系统自动督办：办结时限已过"


@dataclass
class SweepResult:
    yellow: int = 0
    red: int = 0
    supervised: int = 0
    messages: int = 0
    batches: int = 0


@dataclass(frozen=True)
class _Units:
    by_path: dict[str, tuple[int, str]]
    names: dict[int, str]
    root: tuple[int, str]

    def responsible(self, unit_path: str | None, unit_id: int | None) -> tuple[int, str]:
        if unit_path and unit_path in self.by_path:
            return self.by_path[unit_path]
        if unit_id and unit_id in self.names:
            return unit_id, self.names[unit_id]
        return self.root


async def _load_units() -> _Units:
    root = await reference.platform_unit()
    rows = await Unit.all().values_list("id", "path", "name")
    return _Units({p: (i, n) for i, p, n in rows}, {i: n for i, _, n in rows}, (root.id, root.name))


def supervise_threshold(cal: WorkCalendar, now: datetime) -> datetime:
    """00:00 of the latest working day on or before today: a completion deadline on a day
    before it has seen the first working day after it begin."""
    day = now.astimezone(SHANGHAI).date()
    for _ in range(366):
        if cal.is_workday(day):
            break
        day -= timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def _local(at: datetime | None) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if at else ""


_OUTBOX_COLUMNS = (
    "channel", "template", "recipient_kind", "recipient_id", "params_enc", "case_id", "status",
    "urgent", "attempts", "next_attempt_at", "created_at",
)
_OUTBOX_SQL = (
    f"INSERT INTO outbox_message ({', '.join(_OUTBOX_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_OUTBOX_COLUMNS))})"
)


def _message(
    template: str, params: dict[str, Any], recipient_kind: str, unit_id: int, case_id: int
) -> list[Any]:
    """An outbox row as ``notify.outbox.enqueue`` writes it (channel "unit", no address, due
    now: none of these templates is urgent), as values for one multi-row insert — building
    10,000s of ORM objects costs more than the SQL."""
    return [
        "unit",
        template,
        recipient_kind,
        str(unit_id),
        seal_params(params),
        case_id,
        "pending",
        TEMPLATES[template].urgent,
        0,
    ]


# PostgreSQL: one INSERT ... SELECT FROM unnest(arrays) instead of one statement per row
_PG_TYPES = ("text", "text", "text", "text", "text", "bigint", "text", "boolean", "integer")
_PG_OUTBOX_SQL = (
    f"INSERT INTO outbox_message ({', '.join(_OUTBOX_COLUMNS)}) SELECT u.*, $10, $10 FROM "
    f"unnest({', '.join(f'${i}::{t}[]' for i, t in enumerate(_PG_TYPES, start=1))}) AS u"
)


async def _write_messages(
    conn: BaseDBAsyncClient, messages: list[list[Any]], now: datetime
) -> None:
    at = db_time(conn, now)
    if conn.capabilities.dialect == "sqlite":
        await conn.execute_many(_OUTBOX_SQL, [[*m, at, at] for m in messages])
    else:
        await conn.execute_query(_PG_OUTBOX_SQL, [*map(list, zip(*messages, strict=True)), at])


_STATES = {
    "open": ", ".join(f"'{s}'" for s in OPEN_STATES),
    "handling": ", ".join(f"'{s}'" for s in HANDLING),
}
_COLUMNS = "c.id, c.tracking_no, c.unit_id, c.unit_path, c.next_due_kind, c.next_due_at"
# colour -> (WHERE of the candidates, the due kind and the due time the alert is keyed on);
# batches advance on c.next_due_at, the indexed column every WHERE has a range on
_PASSES: dict[str, tuple[str, str, str]] = {
    "red": (
        "c.next_due_at < ? AND c.next_due_at >= ? AND c.next_due_kind IS NOT NULL "
        f"AND c.status IN ({_STATES['open']})",
        "c.next_due_kind",
        "c.next_due_at",
    ),
    "yellow": (
        "c.next_due_at >= ? AND c.warn_at <= ? AND c.warn_at >= ? "
        f"AND c.next_due_kind IS NOT NULL AND c.status IN ({_STATES['open']})",
        "c.next_due_kind",
        "c.next_due_at",
    ),
    "supervise": (
        "c.next_due_at < ? AND c.next_due_at >= ? AND c.due_complete < ? "
        f"AND c.status IN ({_STATES['handling']})",
        "'complete'",
        "c.due_complete",
    ),
}


def _params(colour: str, conn: BaseDBAsyncClient, now: datetime, lo: datetime,
            threshold: datetime) -> list[Any]:
    t = lambda at: db_time(conn, at)  # noqa: E731
    if colour == "red":
        return [t(now), t(lo)]
    if colour == "yellow":
        return [t(now), t(now), t(lo)]
    return [t(threshold), t(lo), t(threshold)]


async def _claim(
    conn: BaseDBAsyncClient, colour: str, params: list[Any], after: Any, limit: int
) -> list[dict[str, Any]]:
    """Lock (PostgreSQL: skipping rows locked elsewhere) the next candidates not yet alerted."""
    where, kind, due = _PASSES[colour]
    sql = (
        f'SELECT {_COLUMNS}, {due} AS due_at FROM "case" c WHERE {where}'
        f"{' AND c.next_due_at >= ?' if after is not None else ''} AND NOT EXISTS ("
        "SELECT 1 FROM case_alert a WHERE a.case_id = c.id AND a.due_kind = "
        f"{kind} AND a.due_at = {due} AND a.colour = ?) ORDER BY c.next_due_at LIMIT ?"
    )
    if conn.capabilities.dialect != "sqlite":
        sql += " FOR NO KEY UPDATE OF c SKIP LOCKED"
    args = [*params, *([after] if after is not None else []), colour, limit]
    return await conn.execute_query_dict(dialect_sql(conn, sql), args)


async def _insert_alerts(
    conn: BaseDBAsyncClient, colour: str, ids: list[int], now: datetime
) -> set[int]:
    """Insert the alerts of ``ids``; the ids whose alert this transaction inserted."""
    _, kind, due = _PASSES[colour]
    marks = ", ".join("?" * len(ids))
    sql = (
        "INSERT INTO case_alert (case_id, due_kind, due_at, colour, created_at) "
        f'SELECT c.id, {kind}, {due}, ?, ? FROM "case" c WHERE c.id IN ({marks}) '
        "ON CONFLICT DO NOTHING RETURNING case_id"
    )
    rows = await conn.execute_query_dict(
        dialect_sql(conn, sql), [colour, db_time(conn, now), *ids]
    )
    return {int(r["case_id"]) for r in rows}


@dataclass
class _Head:
    """The chain head of a case, all ``casework.timeline.new_event`` reads and advances."""

    id: int
    tracking_no: str
    event_count: int
    last_event_hash: str


_EVENT_SQL = (
    "INSERT INTO case_event (case_id, seq, at, action, actor_role, actor_id, note, public, data, "
    f"prev_hash, hash) VALUES ({', '.join('?' * 11)})"
)


async def _supervise(
    conn: BaseDBAsyncClient, won: list[dict[str, Any]], units: _Units, now: datetime
) -> list[list[Any]]:
    """Append the system's 督办 to each case's chain (rows already locked) and notify.

    The event and the case's new chain head (event_count, last_event_hash) are written in
    this transaction, as the lifecycle does; on PostgreSQL the row lock taken by the claim
    keeps a concurrent transition from forking the chain."""
    sql = 'SELECT id, tracking_no, event_count, last_event_hash FROM "case" WHERE id IN ({})'
    rows = await conn.execute_query_dict(
        dialect_sql(conn, sql.format(", ".join("?" * len(won)))), [r["id"] for r in won]
    )
    heads = {r["id"]: _Head(**r) for r in rows}
    events: list[list[Any]] = []
    messages: list[list[Any]] = []
    for row in won:
        head = heads[row["id"]]
        due_at = from_db_time(row["due_at"])
        draft = new_event(
            head,
            action="supervise",
            actor_role="system",
            actor_id=None,
            at=now,
            note=AUTO_SUPERVISE_NOTE,
            public=False,
            data={"auto": True, "due_kind": "complete", "due_at": due_at.isoformat()
                  if due_at else None},
        )
        f = draft.fields
        events.append([
            head.id, f["seq"], db_time(conn, f["at"]), f["action"], f["actor_role"],
            f["actor_id"], f["note"], f["public"], json.dumps(f["data"], ensure_ascii=False),
            f["prev_hash"], f["hash"],
        ])
        unit_id, _ = units.responsible(row["unit_path"], row["unit_id"])
        params = {"tracking_no": head.tracking_no, "note": AUTO_SUPERVISE_NOTE}
        messages.append(_message("unit_supervised", params, "unit", unit_id, head.id))
    await conn.execute_many(dialect_sql(conn, _EVENT_SQL), events)
    await conn.execute_many(
        dialect_sql(conn, 'UPDATE "case" SET event_count = ?, last_event_hash = ? WHERE id = ?'),
        [[h.event_count, h.last_event_hash, h.id] for h in heads.values()],
    )
    return messages


def _reminders(colour: str, won: list[dict[str, Any]], units: _Units) -> list[list[Any]]:
    messages = []
    for row in won:
        unit_id, unit_name = units.responsible(row["unit_path"], row["unit_id"])
        kind = row["next_due_kind"]
        params = {
            "tracking_no": row["tracking_no"],
            "due_label": DUE_LABELS.get(kind, kind),
            "due_at": _local(from_db_time(row["due_at"])),
        }
        messages.append(_message(f"unit_{colour}", params, "unit", unit_id, row["id"]))
        if colour == "red":
            messages.append(
                _message("supervisor_red", params | {"unit_name": unit_name}, "supervisors",
                         unit_id, row["id"])
            )
    return messages


async def _pass(
    colour: str, now: datetime, lo: datetime, threshold: datetime, units: _Units,
    result: SweepResult, batch_size: int,
) -> None:
    after: Any = None
    while True:
        async with in_transaction() as conn:
            rows = await _claim(
                conn, colour, _params(colour, conn, now, lo, threshold), after, batch_size
            )
            if not rows:
                return
            result.batches += 1
            inserted = await _insert_alerts(conn, colour, [r["id"] for r in rows], now)
            won = [r for r in rows if r["id"] in inserted]
            if colour == "supervise":
                messages = await _supervise(conn, won, units, now) if won else []
                result.supervised += len(won)
            else:
                messages = _reminders(colour, won, units)
                setattr(result, colour, getattr(result, colour) + len(won))
            if messages:
                await _write_messages(conn, messages, now)
            result.messages += len(messages)
        if len(rows) < batch_size:
            return
        # resume at the last key (inclusive: ties are skipped by NOT EXISTS, now committed)
        after = rows[-1]["next_due_at"]


async def sweep(
    now: datetime | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    lookback: timedelta = DEFAULT_LOOKBACK,
) -> SweepResult:
    """One pass: remind of yellow and red lights, and supervise overdue completions, once."""
    started = clock.monotonic()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    result = SweepResult()
    try:
        cal = await load_calendar()
        units = await _load_units()
        threshold = supervise_threshold(cal, now)
        for colour in ("red", "yellow", "supervise"):
            await _pass(colour, now, now - lookback, threshold, units, result, batch_size)
    except Exception:
        metrics.SWEEPS.labels("error").inc()
        raise
    _count(result, clock.monotonic() - started)
    return result


def _count(result: SweepResult, seconds: float) -> None:
    metrics.SWEEPS.labels("ok").inc()
    metrics.SWEEP_DURATION.observe(seconds)
    metrics.SWEEP_LAST_OK.set_to_current_time()
    for kind in ("yellow", "red", "supervised"):
        if getattr(result, kind):
            metrics.SWEEP_ALERTS.labels(kind).inc(getattr(result, kind))


async def run_forever(interval_s: float = 60.0) -> None:
    """The worker loop: a pass every ``interval_s`` seconds; a failed pass is logged, retried."""
    while True:
        try:
            result = await sweep()
            if result.messages:
                log.info("sweep: %s", result)
        except Exception:
            log.exception("deadline sweep failed")
        await asyncio.sleep(interval_s)
