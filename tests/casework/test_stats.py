"""Supervisors' statistics on a small handmade set of cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from casework import stats
from hotline.timefmt import SHANGHAI
from identity.principal import Principal
from identity.staff import create_staff
from models.org import Staff, Unit
from tests.casework.test_queues import new_case
from tests.conftest import bearer, login_staff


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


NOW = sh(2026, 11, 5, 10, 0)


async def at_unit(code: str, **fields: Any) -> dict[str, Any]:
    unit = await Unit.get(code=code)
    return {"unit_id": unit.id, "unit_path": unit.path, **fields}


async def handmade(client: Any, token: str) -> dict[str, str]:
    """Seven cases received in October 2026 (Shanghai), one on 1 November, two units."""
    done = {"dispatched_at": sh(2026, 10, 2, 9, 0)}
    spec: dict[str, dict[str, Any]] = {
        # phone, replied in exactly 2 days, on time, very satisfied; received 00:05 on Oct 1
        "c1": await at_unit("HZ-STHJJ", channel="phone", status="replied",
                            created_at=sh(2026, 10, 1, 0, 5), replied_at=sh(2026, 10, 3, 0, 5),
                            completed_on_time=True, rating=5, **done),
        # app, returned once, reopened once, replied again late, closed unsatisfied
        "c2": await at_unit("HZ-STHJJ", channel="app", status="closed", close_reason="upheld",
                            created_at=sh(2026, 10, 10, 10, 0), replied_at=sh(2026, 10, 14, 10),
                            completed_on_time=False, rating=2, returned_count=1,
                            reopened_count=1, **done),
        # still being handled, and overdue
        "c3": await at_unit("HZ-STHJJ", channel="wechat_mini", status="signed",
                            created_at=sh(2026, 10, 20, 8, 0), next_due_kind="complete",
                            next_due_at=sh(2026, 10, 30, 23, 59, 59), **done),
        # not admitted, and a duplicate merged into another case: never completed
        "c4": {"channel": "letter", "status": "rejected", "created_at": sh(2026, 10, 5, 9)},
        "c8": {"channel": "web", "status": "merged", "created_at": sh(2026, 10, 6, 9)},
        # a visit answered at once, ten minutes, 23:30 on Oct 31 (15:30 UTC: still October)
        "c5": {"channel": "visit", "status": "answered", "created_at": sh(2026, 10, 31, 23, 30),
               "replied_at": sh(2026, 10, 31, 23, 40), "completed_on_time": True},
        # 00:10 on Nov 1 is 16:10 UTC on Oct 31: outside the period
        "c6": await at_unit("HZ-STHJJ", channel="phone", status="replied",
                            created_at=sh(2026, 11, 1, 0, 10), replied_at=sh(2026, 11, 2),
                            completed_on_time=True, rating=1, **done),
        # Ningbo: the province sees it, Hangzhou does not
        "c7": await at_unit("NB-STHJJ", channel="kiosk", status="rated",
                            created_at=sh(2026, 10, 15, 12, 0), replied_at=sh(2026, 10, 16, 12),
                            completed_on_time=True, rating=4, **done),
    }
    return {name: await new_case(client, token, **fields) for name, fields in spec.items()}


async def root_supervisor() -> Principal:
    staff = await Staff.get(username="supervisor").prefetch_related("unit")
    return Principal(kind="staff", id=staff.id, roles=frozenset({"supervisor"}),
                     unit_id=staff.unit.id, unit_path=staff.unit.path)


async def test_province_figures_for_october(client, citizen_token):
    await handmade(client, citizen_token)
    who = await root_supervisor()
    s = await stats.compute(who, from_=date(2026, 10, 1), to=date(2026, 10, 31), now=NOW)
    assert (s["received"], s["merged"], s["rejected"]) == (7, 1, 1)
    assert s["completed"] == 4  # c1 replied, c2 closed, c5 answered, c7 rated
    assert s["completion_rate"] == 0.8  # 4 of the 5 admitted
    assert (s["on_time"], s["on_time_rate"]) == (3, 0.75)
    assert s["avg_handling_days"] == {
        "calls": 2.0,  # c1
        "letters_visits_online": round((4 + 10 / 1440 + 1) / 3, 2),  # c2, c5, c7
        "all": round((2 + 4 + 10 / 1440 + 1) / 4, 2),
    }
    assert s["by_channel_group"]["calls"] == {"received": 1, "completed": 1,
                                             "avg_handling_days": 2.0}
    assert s["by_channel_group"]["letters_visits_online"]["received"] == 6
    assert (s["rated"], s["satisfied"], s["satisfaction_rate"]) == (3, 2, 0.6667)
    assert (s["dispatched"], s["returned"], s["return_rate"]) == (4, 1, 0.25)
    assert (s["replied"], s["reopened"], s["reopen_rate"]) == (4, 1, 0.25)
    assert s["overdue_now"] == 1  # c3
    assert s["from"] == "2026-10-01" and s["to"] == "2026-10-31"


async def test_unit_subtree_and_november(client, citizen_token):
    await handmade(client, citizen_token)
    who = await root_supervisor()
    hz = await Unit.get(code="HZ-STHJJ")
    s = await stats.compute(who, from_=date(2026, 10, 1), to=date(2026, 10, 31),
                            unit_id=hz.id, now=NOW)
    assert s["unit"] == {"id": hz.id, "name": hz.name}
    assert (s["received"], s["completed"], s["rated"], s["overdue_now"]) == (3, 2, 2, 1)
    assert s["completion_rate"] == round(2 / 3, 4)
    s = await stats.compute(who, from_=date(2026, 11, 1), to=date(2026, 11, 1), now=NOW)
    assert (s["received"], s["completed"], s["satisfaction_rate"]) == (1, 1, 0.0)
    # an empty period: counts are 0 and rates null, not a division by zero
    s = await stats.compute(who, from_=date(2025, 1, 1), to=date(2025, 1, 31), now=NOW)
    assert s["received"] == 0 and s["completion_rate"] is None
    assert s["avg_handling_days"] == {"calls": None, "letters_visits_online": None, "all": None}


@pytest.fixture
async def ningbo_supervisor(client: Any) -> str:
    if not await Staff.exists(username="supervisor_nb"):
        from launch.seed import DEMO_PASSWORD

        await create_staff("supervisor_nb", DEMO_PASSWORD, ["supervisor"],
                           await Unit.get(code="NB12345"))
    return await login_staff(client, "supervisor_nb")


async def test_http_roles_scope_and_validation(client, citizen_token, ningbo_supervisor):
    made = await handmade(client, citizen_token)
    from models.case import Case

    # overdue relative to the real clock for the endpoint, which has no `now` parameter
    await Case.filter(tracking_no=made["c3"]).update(
        next_due_at=datetime.now(UTC) - timedelta(days=1)
    )
    sup = await login_staff(client, "supervisor")
    r = await client.get("/api/v1/staff/stats", params={"from": "2026-10-01", "to": "2026-10-31"},
                         headers=bearer(sup))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["received"], body["completed"], body["overdue_now"]) == (7, 4, 1)
    r = await client.get("/api/v1/staff/stats", params={"from": "2026-10-01", "to": "2026-10-31"},
                         headers=bearer(ningbo_supervisor))
    assert r.json()["received"] == 1 and r.json()["overdue_now"] == 0  # c7 only
    hz = await Unit.get(code="HZ-STHJJ")
    r = await client.get("/api/v1/staff/stats", params={"unit_id": hz.id},
                         headers=bearer(ningbo_supervisor))
    assert r.status_code == 404
    handler = await login_staff(client, "handler")
    r = await client.get("/api/v1/staff/stats", headers=bearer(handler))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    for params, code in [
        ({"from": "2026-10-31", "to": "2026-10-01"}, "invalid_period"),
        ({"from": "2024-01-01", "to": "2026-10-01"}, "invalid_period"),
        ({"from": "2026-13-01"}, "validation_error"),
    ]:
        r = await client.get("/api/v1/staff/stats", params=params, headers=bearer(sup))
        assert r.status_code == 422 and r.json()["code"] == code, r.text
    r = await client.get("/api/v1/staff/stats", headers=bearer(sup))  # default: this month
    assert r.status_code == 200 and r.json()["to"] >= r.json()["from"]
