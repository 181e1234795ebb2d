"""Executing the transition table: authorize, apply one step, record it, notify — one transaction.

Each step (casework/steps.py, registered in casework/stepkit.py) changes the case in memory and
says what to record and whom to tell; this module checks the table, locks the case, sets the new
status from the table (``Transition.resolve``), writes the hash-chained event, the due times and
the outbox rows together, and answers with the case as the caller may see it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

import casework.steps  # noqa: F401  (registers every step in casework.stepkit)
from audit import log as audit_log
from casework import follow, hooks, queries, reference, schedule, search_index, views
from casework.calendar_store import load_calendar
from casework.stepkit import HANDLERS, PREPARERS, Message, Outcome, Step
from casework.timeline import new_event
from casework.transitions import AWAITING_RATING, BY_ACTION, State, role_allowed
from hotline.db import lock_first
from hotline.errors import Forbidden, InvalidTransition, NotFound
from identity.principal import Principal
from models.case import Case, CaseEvent
from models.outbox import OutboxMessage
from notify import recipients


def actor_role(viewer: Principal, action: str) -> str:
    if viewer.kind != "staff":
        return viewer.kind
    wanted = BY_ACTION[action].roles
    return next((r for r in wanted if r in viewer.roles), next(iter(sorted(viewer.roles)), "staff"))


def _authorize_role(viewer: Principal, action: str) -> None:
    roles = set(viewer.roles) if viewer.kind in ("staff", "system") else {viewer.kind}
    if not role_allowed(action, roles):
        raise Forbidden("无权执行此操作")


def _may_act(viewer: Principal, case: Case) -> bool:
    if viewer.kind == "system":
        return True
    return queries.can_read(viewer, case)


async def _deliver(conn: BaseDBAsyncClient, acted: Case, msg: Message) -> None:
    case = msg.case or acted
    if msg.to == "citizen":
        row = recipients.to_citizen(
            msg.template,
            msg.params,
            case_id=case.id,
            citizen_id=case.citizen_id,
            phone_enc=case.contact_phone_enc,
        )
    else:
        row = recipients.to_unit(
            msg.template,
            msg.params,
            case_id=case.id,
            unit_id=msg.unit_id or case.unit_id,
            supervisors=msg.to == "supervisors",
        )
    if row is not None:
        await OutboxMessage.create(**row, using_db=conn)


async def append_event(
    conn: BaseDBAsyncClient,
    case: Case,
    *,
    action: str,
    role: str,
    actor_id: str | None,
    now: datetime,
    note: str,
    public: bool = True,
    data: dict[str, Any] | None = None,
) -> None:
    """Add the next timeline event and save the case (its chain head and due times) with it."""
    draft = new_event(
        case,
        action=action,
        actor_role=role,
        actor_id=actor_id,
        at=now,
        note=note,
        public=public,
        data=data,
    )
    schedule.refresh_next(case)
    await case.save(using_db=conn)
    await draft.to_model(case.id).save(using_db=conn)


# actions whose note is text to or from the citizen (a reply, a callback record): the audit
# log keeps no case content, so their note stays in the case's own timeline only
CONTENT_NOTES = frozenset({"answer", "notice", "reply", "callback", "rate"})


def _audited(case: Case, action: str, outcome: Outcome) -> dict[str, Any]:
    """What a staff action changed, for the audit log: status and unit, and the staff's note
    (a reason, an opinion) when it is not case content."""
    after: dict[str, Any] = {"status": case.status, "unit_id": case.unit_id}
    if outcome.note and action not in CONTENT_NOTES:
        after["note"] = outcome.note
    return after


async def lock_case(conn: BaseDBAsyncClient, **filters: Any) -> Case | None:
    return await lock_first(conn, Case, **filters)


async def perform(
    viewer: Principal,
    tracking_no: str,
    action: str,
    payload: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
    proven: bool = False,
) -> dict[str, Any]:
    """Run ``action`` on a case for ``viewer``; nothing changes unless all of it succeeds.
    ``proven``: the caller already proved the right to act on this very case (a signed rating
    link, ``casework.rating_links``), so the reader check is not asked."""
    payload = payload or {}
    _authorize_role(viewer, action)
    prepared = await PREPARERS[action](viewer, payload) if action in PREPARERS else {}
    cal = await load_calendar()
    root = await reference.platform_unit()
    now = now or datetime.now(UTC)
    async with in_transaction() as conn:
        case = await lock_case(conn, tracking_no=tracking_no)
        if case is None or not (proven or _may_act(viewer, case)):
            raise NotFound("未找到该诉求")
        transition = BY_ACTION[action]
        if case.status not in transition.sources:
            raise InvalidTransition(
                f"诉求当前状态为“{case.status}”，不能执行“{transition.label}”",
                extra={"case_status": case.status, "action": action},
            )
        current = State(case.status)
        before, path_before = {"status": case.status, "unit_id": case.unit_id}, case.unit_path
        await hooks.checked(action, case, payload, conn)
        outcome = await HANDLERS[action](Step(case, viewer, payload, now, cal, root, prepared))
        if case.status != current:
            raise RuntimeError(f"step {action!r} set the status itself; the table sets it")
        # the table decides the new status; a step's outcome only picks among what it allows
        case.status = transition.resolve(current, outcome.state).value
        await append_event(
            conn,
            case,
            action=action,
            role=actor_role(viewer, action),
            actor_id=str(viewer.id),
            now=now,
            note=outcome.note,
            public=outcome.public,
            data=outcome.data,
        )
        for write in outcome.writes:
            await write(conn)
        # casework's own followers of a step, then what other packages installed (rewards)
        await search_index.track_open(action, case, payload, now, conn)
        await follow.notify_followers(action, case, payload, now, conn)
        await hooks.stepped(action, case, payload, now, conn)
        if case.unit_path != path_before:
            await hooks.moved(action, case, path_before, now, conn)
        for msg in outcome.messages:
            await _deliver(conn, case, msg)
        # last: the audit head stays locked only until the commit. The scope is the deeper of
        # the unit paths before and after, so a dispatch is found by the receiving unit's
        # administrators and a return by the returning unit's.
        if viewer.kind == "staff":
            await audit_log.record(
                conn, viewer, f"case.{action}", f"case:{case.tracking_no}",
                scope_path=audit_log.deeper_path(path_before, case.unit_path), before=before,
                after=_audited(case, action, outcome),
            )
    events = await CaseEvent.filter(case_id=case.id).order_by("seq")
    return views.case_view(
        case,
        events,
        viewer=viewer,
        now=now,
        unit=await queries.unit_ref(case.unit_id),
    )


SYSTEM = Principal(kind="system", id=0, roles=frozenset({"system"}))

UNRATED_AFTER_DAYS = 7


async def close_unrated(now: datetime | None = None) -> int:
    """Close replies the citizen has not rated within 7 days (counted as unrated)."""
    now = now or datetime.now(UTC)
    due = await Case.filter(
        status__in=AWAITING_RATING, replied_at__lt=now - timedelta(days=UNRATED_AFTER_DAYS)
    ).values_list("tracking_no", flat=True)
    closed = 0
    for tracking_no in due:
        try:
            await perform(SYSTEM, str(tracking_no), "close_unrated", now=now)
            closed += 1
        except InvalidTransition:  # rated meanwhile
            continue
    return closed


async def close_unrated_forever(interval_s: float) -> None:
    """The periodic job behind ``close_unrated`` (in the worker)."""
    while True:
        try:
            await close_unrated()
        except Exception:  # keep the worker alive; the next pass retries
            logging.getLogger("hotline.casework").exception("closing unrated replies failed")
        await asyncio.sleep(interval_s)
