"""The deadline sweeper: one reminder per deadline and colour, however often and however many
sweepers run; red reaches supervisors; the automatic 督办 on the working day after."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from casework import sweeper
from casework.calendar_store import load_calendar
from casework.timeline import verify_chain
from hotline.crypto import decrypt
from hotline.timefmt import SHANGHAI
from models.case import Case, CaseAlert, CaseEvent
from models.org import Unit
from models.outbox import OutboxMessage
from notify.templates import render
from tests.casework.test_queues import new_case


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


async def signed_at(unit_code: str, due: datetime, warn: datetime, **extra: Any) -> dict:
    unit = await Unit.get(code=unit_code)
    return {
        "unit_id": unit.id, "unit_path": unit.path, "status": "signed", "procedure": "normal",
        "next_due_kind": "complete", "next_due_at": due, "warn_at": warn, "due_complete": due,
        **extra,
    }


async def outbox(no: str | None = None) -> list[tuple[str, str, str]]:
    query = OutboxMessage.filter(channel="unit")
    if no:
        query = query.filter(case_id=(await Case.get(tracking_no=no)).id)
    rows = await query.order_by("id")
    return [(m.template, m.recipient_kind, m.recipient_id) for m in rows]


async def assert_renderable() -> None:
    """Every row the sweeper wrote is pending, for a unit, and renders with its parameters."""
    for row in await OutboxMessage.filter(recipient_kind__in=["unit", "supervisors"]):
        assert row.status == "pending" and row.channel == "unit" and row.address_enc is None
        assert render(row.template, json.loads(decrypt(row.params_enc)))


DUE = sh(2026, 9, 30, 23, 59, 59)  # the last working day before the 2026 National Day break
WARN = sh(2026, 9, 25, 0, 0)


async def test_red_reminds_unit_and_supervisors_once_when_run_twice(client, citizen_token):
    hz = await Unit.get(code="HZ-STHJJ")
    no = await new_case(client, citizen_token, **await signed_at("HZ-STHJJ", DUE, WARN))
    now = sh(2026, 10, 1, 10, 0)
    first = await sweeper.sweep(now=now)
    assert (first.red, first.yellow, first.supervised) == (1, 0, 0)
    assert await outbox(no) == [
        ("unit_red", "unit", str(hz.id)),
        ("supervisor_red", "supervisors", str(hz.id)),
    ]
    second = await sweeper.sweep(now=now + timedelta(hours=1))
    assert (second.red, second.messages) == (0, 0)
    assert len(await outbox(no)) == 2
    row = await OutboxMessage.filter(template="supervisor_red").first()
    params = json.loads(decrypt(row.params_enc))
    assert params == {
        "tracking_no": no, "due_label": "办结时限", "due_at": "2026-09-30 23:59",
        "unit_name": hz.name,
    }
    assert await CaseAlert.filter(colour="red").count() == 1
    await assert_renderable()


async def test_yellow_then_red_then_a_new_deadline(client, citizen_token):
    no = await new_case(client, citizen_token, **await signed_at("NB-STHJJ", DUE, WARN))
    result = await sweeper.sweep(now=sh(2026, 9, 28, 9, 0))
    assert (result.yellow, result.red) == (1, 0)
    assert [t for t, _, _ in await outbox(no)] == ["unit_yellow"]
    await sweeper.sweep(now=sh(2026, 9, 28, 10, 0))
    assert [t for t, _, _ in await outbox(no)] == ["unit_yellow"]
    await sweeper.sweep(now=sh(2026, 10, 1, 0, 0))
    assert [t for t, _, _ in await outbox(no)] == ["unit_yellow", "unit_red", "supervisor_red"]
    # an extension moves the completion deadline: that one is reminded of afresh
    new_due = sh(2026, 10, 30, 23, 59, 59)
    await Case.filter(tracking_no=no).update(
        next_due_at=new_due.astimezone(UTC), due_complete=new_due.astimezone(UTC),
        warn_at=sh(2026, 10, 25, 0, 0).astimezone(UTC),
    )
    result = await sweeper.sweep(now=sh(2026, 10, 26, 9, 0))
    assert result.yellow == 1
    assert [t for t, _, _ in await outbox(no)][-1] == "unit_yellow"


async def test_two_sweepers_at_once_send_each_reminder_once(client, citizen_token):
    made = []
    for i in range(12):
        due = DUE - timedelta(hours=i % 4)  # ties on the deadline across batch boundaries
        made.append(await new_case(client, citizen_token, **await signed_at(
            "HZ-STHJJ" if i % 2 else "NB-STHJJ", due, WARN)))
    now = sh(2026, 10, 1, 10, 0)
    results = await asyncio.gather(
        sweeper.sweep(now=now, batch_size=5), sweeper.sweep(now=now, batch_size=5)
    )
    assert sum(r.red for r in results) == 12
    for no in made:
        assert sorted(t for t, _, _ in await outbox(no)) == ["supervisor_red", "unit_red"]
    assert await CaseAlert.all().count() == 12


async def test_undispatched_case_reminds_the_centre(client, citizen_token):
    root = await Unit.get(code="ZJ12345")
    no = await new_case(
        client, citizen_token, next_due_kind="dispatch", next_due_at=DUE,
        warn_at=sh(2026, 9, 30, 15, 24), due_dispatch=DUE,
    )
    await sweeper.sweep(now=sh(2026, 9, 30, 16, 0))
    assert await outbox(no) == [("unit_yellow", "unit", str(root.id))]
    # returned by the unit: back with the centre, whatever unit_id still says
    hz = await Unit.get(code="HZ-STHJJ")
    await Case.filter(tracking_no=no).update(status="returned", unit_id=hz.id)
    await sweeper.sweep(now=sh(2026, 10, 1, 9, 0))
    assert (await outbox(no))[1:] == [
        ("unit_red", "unit", str(root.id)),
        ("supervisor_red", "supervisors", str(root.id)),
    ]


async def test_closed_and_replied_cases_are_left_alone(client, citizen_token):
    for status in ("replied", "closed", "merged"):
        await new_case(client, citizen_token, **await signed_at("HZ-STHJJ", DUE, WARN,
                                                                status=status))
    result = await sweeper.sweep(now=sh(2026, 10, 9, 10, 0))
    assert (result.red, result.yellow, result.supervised, result.messages) == (0, 0, 0, 0)


async def test_auto_supervision_the_working_day_after_national_day(client, citizen_token):
    hz = await Unit.get(code="HZ-STHJJ")
    no = await new_case(client, citizen_token, **await signed_at("HZ-STHJJ", DUE, WARN))
    # Oct 1-7 are the holiday: no 督办 yet, only the red light
    result = await sweeper.sweep(now=sh(2026, 10, 7, 23, 59))
    assert (result.red, result.supervised) == (1, 0)
    result = await sweeper.sweep(now=sh(2026, 10, 8, 0, 0, 1))
    assert result.supervised == 1
    assert (await outbox(no))[-1] == ("unit_supervised", "unit", str(hz.id))
    again = await asyncio.gather(
        sweeper.sweep(now=sh(2026, 10, 8, 9, 0)), sweeper.sweep(now=sh(2026, 10, 9, 9, 0))
    )
    assert sum(r.supervised for r in again) == 0
    case = await Case.get(tracking_no=no)
    events = await CaseEvent.filter(case_id=case.id).order_by("seq")
    assert [(e.action, e.actor_role) for e in events] == [
        ("submit", "citizen"), ("supervise", "system")
    ]
    assert events[-1].note == sweeper.AUTO_SUPERVISE_NOTE and events[-1].data["auto"] is True
    assert case.event_count == 2 and case.last_event_hash == events[-1].hash
    assert verify_chain(no, events)
    assert await CaseAlert.filter(case_id=case.id, colour="supervise").count() == 1
    assert [t for t, _, _ in await outbox(no)].count("unit_supervised") == 1
    await assert_renderable()


async def test_supervision_waits_for_a_working_day(client, citizen_token):
    cal = await load_calendar()
    # a deadline on Friday 2026-10-09: Saturday 10-10 is a make-up working day (调休)
    friday = sh(2026, 10, 9, 23, 59, 59)
    assert cal.is_workday(sh(2026, 10, 10).date())
    a = await new_case(client, citizen_token, **await signed_at("HZ-STHJJ", friday, WARN))
    # an ordinary weekend: a deadline on Friday 10-16 waits until Monday 10-19
    b_due = sh(2026, 10, 16, 23, 59, 59)
    b = await new_case(client, citizen_token, **await signed_at("HZ-STHJJ", b_due, WARN))
    result = await sweeper.sweep(now=sh(2026, 10, 10, 0, 0))
    assert result.supervised == 1
    assert (await outbox(a))[-1][0] == "unit_supervised"
    result = await sweeper.sweep(now=sh(2026, 10, 18, 22, 0))
    assert result.supervised == 0
    result = await sweeper.sweep(now=sh(2026, 10, 19, 0, 0))
    assert result.supervised == 1
    assert (await outbox(b))[-1][0] == "unit_supervised"
    # a replied case is never supervised, however late its deadline
    c = await new_case(client, citizen_token, **await signed_at("HZ-STHJJ", b_due, WARN,
                                                                status="replied"))
    await sweeper.sweep(now=sh(2026, 10, 20, 9, 0))
    assert await outbox(c) == []


def test_threshold_is_midnight_of_the_latest_working_day() -> None:
    from casework.calendar import WorkCalendar

    cal = WorkCalendar.from_chinese_calendar([2026])
    assert sweeper.supervise_threshold(cal, sh(2026, 10, 5, 12, 0)) == sh(2026, 9, 30)
    assert sweeper.supervise_threshold(cal, sh(2026, 10, 8, 0, 0)) == sh(2026, 10, 8)
    assert sweeper.supervise_threshold(cal, sh(2026, 10, 11, 8, 0)) == sh(2026, 10, 10)
