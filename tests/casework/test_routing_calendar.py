"""Routing by category × region, auto-dispatch, and deadlines on days the calendar does not know."""

from __future__ import annotations

from datetime import date, datetime, time

from casework import schedule
from casework.calendar_store import (
    import_rows,
    invalidate,
    load_calendar,
    recompute_provisional,
)
from casework.deadlines import sign_due
from casework.routing import suggest_unit
from hotline.timefmt import SHANGHAI
from models.calendar import CalendarDay, CalendarYear
from models.case import Case
from models.org import Category
from tests.conftest import COMPLAINT, bearer, login_staff


async def test_routing_walks_up_the_region_tree():
    township = await suggest_unit("ENV-WATER-V", "330106001")  # 北山街道 → 西湖区 rule
    assert township is not None and township.code == "HZ-XH-STHJ"
    county = await suggest_unit("ENV-WATER-V", "330102")  # 上城区: no rule → 杭州市
    assert county is not None and county.code == "HZ-STHJJ"
    province = await suggest_unit("ENV-WATER-V", None)
    assert province is None  # nothing to walk from
    city = await suggest_unit("TRAFFIC-ROAD", "330302001")  # 温州: no city rule → province
    assert city is not None and city.code == "ZJ-JTT"


async def test_dispatchers_see_the_suggestion(client, citizen_token):
    body = COMPLAINT | {"kind": "report", "category_code": "ENV-WATER-V"}
    no = (await client.post("/api/v1/cases", json=body, headers=bearer(citizen_token))).json()[
        "tracking_no"
    ]
    token = await login_staff(client, "dispatcher")
    r = await client.get(f"/api/v1/staff/cases/{no}/routing", headers=bearer(token))
    assert r.json()["unit"]["code"] == "HZ-XH-STHJ"


async def test_auto_dispatch_per_category(client, citizen_token):
    await Category.filter(code="ENV-WATER-V").update(auto_dispatch=True, default_procedure="simple")
    from casework import reference

    reference.invalidate()
    body = COMPLAINT | {"kind": "report", "category_code": "ENV-WATER-V"}
    try:
        r = await client.post("/api/v1/cases", json=body, headers=bearer(citizen_token))
    finally:  # categories are shared by the whole session
        await Category.filter(code="ENV-WATER-V").update(
            auto_dispatch=False, default_procedure="normal"
        )
        reference.invalidate()
    assert r.status_code == 201
    case = await Case.get(tracking_no=r.json()["tracking_no"]).prefetch_related("unit")
    assert case.status == "dispatched" and case.procedure == "simple"
    assert case.unit.code == "HZ-XH-STHJ"


async def test_provisional_deadlines_are_recomputed_after_an_import(client, citizen_token):
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(citizen_token))
    case = await Case.get(tracking_no=r.json()["tracking_no"])
    cal = await load_calendar()
    assert 2027 not in cal.known_years
    # a case submitted on 2026-12-31 for a simple procedure: its working days run into 2027
    case.created_at = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)
    schedule.set_procedure_dues(case, cal, "simple")
    schedule.refresh_next(case)
    await case.save()
    assert case.provisional_deadline
    # Mon-Fri assumption: Jan 1 (Fri), 4, 5 → transfer due 2027-01-05
    assert case.due_transfer.astimezone(SHANGHAI).date() == date(2027, 1, 5)
    # the State Council's 2027 notice: New Year's Day off
    await import_rows([(date(2027, 1, 1), False, "元旦")], {2027}, "test")
    try:
        assert await recompute_provisional() == 1
    finally:  # the calendar is shared by the whole session
        await CalendarDay.filter(date__gte=date(2027, 1, 1)).delete()
        await CalendarYear.filter(year=2027).delete()
        invalidate()
    case = await Case.get(id=case.id)
    assert not case.provisional_deadline
    assert case.due_transfer.astimezone(SHANGHAI).date() == date(2027, 1, 6)
    reply = await client.get(f"/api/v1/cases/{case.tracking_no}", headers=bearer(citizen_token))
    assert reply.json()["provisional_deadline"] is False


async def test_working_hours_are_configurable():
    from hotline import settings as settings_mod

    s = settings_mod.current()
    old = (s.work_start, s.work_end)
    s.work_start, s.work_end = time(8, 30), time(17, 30)
    invalidate()
    try:
        cal = await load_calendar()
        friday = datetime(2026, 11, 27, 16, 30, tzinfo=SHANGHAI)
        # one working hour on Friday (to 17:30), the second from 08:30 on Monday
        assert sign_due(cal, friday).at == datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)
    finally:
        s.work_start, s.work_end = old
        invalidate()
