"""The supervisor dashboard's data: lights per unit, the monthly series, volume by category
and the supervisors' task queues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from casework import lights, queues, stats, tasks
from models.case import Case, CaseTask
from models.org import Unit
from tests.casework.test_queues import assign, new_case
from tests.casework.test_queues import lights as light_fields
from tests.casework.test_stats import root_supervisor, sh

NOW = sh(2026, 11, 20, 10, 0)


async def _unit(code: str) -> Unit:
    return await Unit.get(code=code)


async def test_lights_per_unit_most_red_first(client: Any, citizen_token: str) -> None:
    f = light_fields(NOW.astimezone(UTC))
    await new_case(client, citizen_token, **await assign("HZ-STHJJ", **f["green"]))
    await new_case(client, citizen_token, **await assign("HZ-STHJJ", **f["yellow"]))
    await new_case(client, citizen_token, **await assign("NB-STHJJ", **f["red"]))
    await new_case(client, citizen_token, **await assign("NB-STHJJ", **f["green"]))
    # closed cases are not open: not counted, whatever their due time
    await new_case(client, citizen_token, **await assign("NB-STHJJ", **f["red"] | {
        "status": "closed"}))
    who = await root_supervisor()
    rows = await lights.by_unit(await queues.resolve_scope(who), NOW)
    hz, nb = await _unit("HZ-STHJJ"), await _unit("NB-STHJJ")
    assert rows == [
        {"unit_id": nb.id, "open": 2, "red": 1, "yellow": 0, "green": 1},
        {"unit_id": hz.id, "open": 2, "red": 0, "yellow": 1, "green": 1},
    ]
    # the light counts of the metrics scrape agree (one rule)
    assert await lights.light_counts(NOW) == {"red": 1, "yellow": 1, "green": 2}


async def test_lights_per_unit_within_scope(client: Any, citizen_token: str) -> None:
    f = light_fields(NOW.astimezone(UTC))
    await new_case(client, citizen_token, **await assign("NB-STHJJ", **f["red"]))
    from identity.principal import Principal

    hz = await _unit("HZ12345")
    who = Principal(kind="staff", id=1, roles=frozenset({"supervisor"}), unit_id=hz.id,
                    unit_path=hz.path)
    assert await lights.by_unit(await queues.resolve_scope(who), NOW) == []


async def test_monthly_series_uses_the_stats_definitions(client: Any, citizen_token: str) -> None:
    await new_case(client, citizen_token, **await assign(
        "HZ-STHJJ", status="replied", created_at=sh(2026, 10, 3, 9), replied_at=sh(2026, 10, 5),
        completed_on_time=True, rating=5))
    await new_case(client, citizen_token, **await assign(
        "HZ-STHJJ", status="replied", created_at=sh(2026, 10, 8, 9), replied_at=sh(2026, 10, 20),
        completed_on_time=False, rating=1))
    await new_case(client, citizen_token, channel="phone", created_at=sh(2026, 11, 2, 9))
    who = await root_supervisor()
    series = await stats.monthly(who, months=12, now=NOW)
    assert [m["month"] for m in series][:2] == ["2025-12", "2026-01"]
    assert series[-1]["month"] == "2026-11" and len(series) == 12
    october = series[-2]
    expected = await stats.compute(who, from_=sh(2026, 10, 1).date(),
                                   to=sh(2026, 10, 31).date(), now=NOW)
    assert (october["on_time_rate"], october["satisfaction_rate"]) == (0.5, 0.5)
    assert october["on_time_rate"] == expected["on_time_rate"]
    assert october["satisfaction_rate"] == expected["satisfaction_rate"]
    assert october["by_channel"] == {"app": 2}
    assert series[-1]["by_channel"] == {"phone": 1} and series[-1]["on_time_rate"] is None
    assert all(m["received"] == 0 for m in series[:-2])


async def test_volume_by_category_most_first(client: Any, citizen_token: str) -> None:
    for _ in range(2):
        await new_case(client, citizen_token, created_at=sh(2026, 11, 3, 9))
    no = await new_case(client, citizen_token, created_at=sh(2026, 11, 4, 9))
    await Case.filter(tracking_no=no).update(category_id="TRAFFIC-ROAD")
    await new_case(client, citizen_token, created_at=sh(2026, 10, 4, 9))  # last month
    who = await root_supervisor()
    got = await stats.by_category(who, from_=sh(2026, 11, 1).date(), to=NOW.date(), now=NOW)
    assert list(got.items()) == [("ENV-NOISE", 2), ("TRAFFIC-ROAD", 1)]


async def test_task_queue_oldest_first_with_what_the_decision_needs(
    client: Any, citizen_token: str
) -> None:
    first = await new_case(client, citizen_token, **await assign("HZ-STHJJ", status="rated",
                                                                 rating=2))
    second = await new_case(client, citizen_token, **await assign(
        "NB-STHJJ", status="extension_requested", extension_requested_days=10))
    third = await new_case(client, citizen_token, **await assign("NB-STHJJ", status="rated",
                                                                 rating=1))
    at = NOW - timedelta(days=1)
    for no, kind in ((first, "verification"), (second, "extension"), (third, "verification")):
        case = await Case.get(tracking_no=no)
        await CaseTask.create(case_id=case.id, kind=kind, created_at=at)
    done = await Case.get(tracking_no=first)
    await CaseTask.create(case_id=done.id, kind="callback", created_at=at, status="done")
    who = await root_supervisor()
    page = await tasks.open_tasks(who, "verification", limit=1, now=NOW)
    assert [i["case"]["tracking_no"] for i in page["items"]] == [first]
    assert page["items"][0]["rating_label"] == "不满意"
    more = await tasks.open_tasks(who, "verification", cursor=page["next_cursor"], now=NOW)
    assert [i["case"]["tracking_no"] for i in more["items"]] == [third]
    assert more["next_cursor"] is None
    ext = await tasks.open_tasks(who, "extension", now=NOW)
    assert ext["items"][0]["extension_days"] == 10
    assert await tasks.open_counts(who) == {"verification": 2, "callback": 0, "extension": 1}
    # a supervisor of Hangzhou sees Hangzhou's task only
    from identity.principal import Principal

    hz = await _unit("HZ12345")
    city = Principal(kind="staff", id=who.id, roles=who.roles, unit_id=hz.id, unit_path=hz.path)
    assert await tasks.open_counts(city) == {"verification": 1, "callback": 0, "extension": 0}


async def test_open_only_queue(client: Any, citizen_token: str) -> None:
    f = light_fields(datetime.now(UTC))
    open_no = await new_case(client, citizen_token, **await assign("HZ-STHJJ", **f["green"]))
    await new_case(client, citizen_token, **await assign("HZ-STHJJ", status="closed"))
    who = await root_supervisor()
    page = await queues.list_cases(who, open_only=True)
    assert [i["tracking_no"] for i in page["items"]] == [open_no]
