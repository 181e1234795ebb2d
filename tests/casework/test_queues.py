"""Staff queues: lights as range queries, scope isolation, stable cursors, no personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from casework import queues
from identity.principal import Principal
from models.case import Case
from models.org import Unit
from tests.conftest import COMPLAINT, bearer, login_staff

PERSONAL = {"content", "contact_phone", "contact_name", "citizen", "phone", "address", "location"}


async def new_case(client: Any, token: str, **fields: Any) -> str:
    """A case filed through the API, then put directly into the wanted state."""
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(token))
    assert r.status_code == 201, r.text
    no = r.json()["tracking_no"]
    if fields:
        # QuerySet.update() hands datetimes to SQLite as they are (save() converts them to UTC,
        # the stored form every range comparison relies on): normalise like save() does
        utc = {k: v.astimezone(UTC) if isinstance(v, datetime) else v for k, v in fields.items()}
        await Case.filter(tracking_no=no).update(**utc)
    return no


async def assign(unit_code: str, **fields: Any) -> dict[str, Any]:
    unit = await Unit.get(code=unit_code)
    return {"unit_id": unit.id, "unit_path": unit.path, "status": "signed", **fields}


def lights(now: datetime) -> dict[str, dict[str, Any]]:
    return {
        "red": {"next_due_kind": "complete", "next_due_at": now - timedelta(hours=1),
                "warn_at": now - timedelta(days=2)},
        "yellow": {"next_due_kind": "complete", "next_due_at": now + timedelta(hours=5),
                   "warn_at": now - timedelta(hours=3)},
        "green": {"next_due_kind": "complete", "next_due_at": now + timedelta(days=9),
                  "warn_at": now + timedelta(days=7)},
    }


async def get(client: Any, token: str, **params: Any) -> dict[str, Any]:
    r = await client.get("/api/v1/staff/cases", params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
async def tokens(client: Any) -> dict[str, str]:
    names = ["dispatcher", "handler", "handler_nb", "handler_xh", "supervisor"]
    return {name: await login_staff(client, name) for name in names}


async def test_lights_and_scope_isolation_between_sibling_units(client, citizen_token, tokens):
    now = datetime.now(UTC)
    hz = {c: await new_case(client, citizen_token, **await assign("HZ-STHJJ", **f))
          for c, f in lights(now).items()}
    nb = {c: await new_case(client, citizen_token, **await assign("NB-STHJJ", **f))
          for c, f in lights(now).items()}
    for colour in ("red", "yellow", "green"):
        page = await get(client, tokens["handler"], light=colour)
        assert [i["tracking_no"] for i in page["items"]] == [hz[colour]]
        assert page["items"][0]["light"] == colour and page["next_cursor"] is None
        page = await get(client, tokens["handler_nb"], light=colour)
        assert [i["tracking_no"] for i in page["items"]] == [nb[colour]]
    assert {i["tracking_no"] for i in (await get(client, tokens["handler"]))["items"]} == set(
        hz.values()
    )
    # overdue=true is the red queue; the whole province sees both units
    page = await get(client, tokens["supervisor"], overdue="true")
    assert {i["tracking_no"] for i in page["items"]} == {hz["red"], nb["red"]}
    page = await get(client, tokens["supervisor"], overdue="false")
    assert hz["red"] not in {i["tracking_no"] for i in page["items"]}
    # a sibling unit's subtree is out of scope: 404, not an empty page that leaks existence
    nb_unit = await Unit.get(code="NB-STHJJ")
    r = await client.get(
        "/api/v1/staff/cases", params={"unit_id": nb_unit.id}, headers=bearer(tokens["handler"])
    )
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    page = await get(client, tokens["dispatcher"], unit_id=nb_unit.id, light="red")
    assert [i["tracking_no"] for i in page["items"]] == [nb["red"]]
    # HZ-XH-STHJ is in Hangzhou but not under HZ-STHJJ: it sees none of these
    assert (await get(client, tokens["handler_xh"]))["items"] == []


async def test_items_are_summaries_without_personal_data(client, citizen_token, tokens):
    now = datetime.now(UTC)
    no = await new_case(client, citizen_token, **await assign("HZ-STHJJ", **lights(now)["red"]))
    item = (await get(client, tokens["handler"], light="red"))["items"][0]
    unit = await Unit.get(code="HZ-STHJJ")
    assert item["tracking_no"] == no
    assert item["unit"] == {"id": unit.id, "name": unit.name}
    assert item["next_due_kind"] == "complete" and item["status"] == "signed"
    assert set(item) == {
        "tracking_no", "kind", "category_code", "channel", "status", "title", "unit",
        "created_at", "next_due_kind", "next_due_at", "light",
    }
    assert not PERSONAL & set(item)
    # not dispatched yet: the centre's queue, unit null
    fresh = await new_case(client, citizen_token)
    page = await get(client, tokens["dispatcher"], status="submitted")
    assert [(i["tracking_no"], i["unit"]) for i in page["items"]] == [(fresh, None)]


async def test_light_queue_cursor_is_stable_over_equal_deadlines(client, citizen_token, tokens):
    now = datetime.now(UTC)
    due = now - timedelta(days=1)
    made = [
        await new_case(client, citizen_token, **await assign(
            "HZ-STHJJ", next_due_kind="complete", next_due_at=due + timedelta(hours=i // 3),
            warn_at=due - timedelta(days=3)))
        for i in range(7)
    ]
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"light": "red", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await get(client, tokens["handler"], **params)
        seen += [i["tracking_no"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # a case changed between pages must not shift the rest of the queue
        await Case.filter(tracking_no=seen[0]).update(title="改过")
    assert seen == made  # by deadline, ties by id, no duplicates or gaps


async def test_newest_first_pagination_and_filters(client, citizen_token, tokens):
    made = [await new_case(client, citizen_token, **await assign("HZ-STHJJ")) for _ in range(5)]
    await Case.filter(tracking_no=made[0]).update(kind="report")
    first = await get(client, tokens["handler"], limit=3)
    second = await get(client, tokens["handler"], limit=3, cursor=first["next_cursor"])
    assert [i["tracking_no"] for i in first["items"] + second["items"]] == made[::-1]
    assert second["next_cursor"] is None
    page = await get(client, tokens["handler"], kind="report")
    assert [i["tracking_no"] for i in page["items"]] == [made[0]]
    assert (await get(client, tokens["handler"], status="replied"))["items"] == []
    # a cursor of one ordering is refused by the other
    r = await client.get(
        "/api/v1/staff/cases",
        params={"light": "red", "cursor": first["next_cursor"]},
        headers=bearer(tokens["handler"]),
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    "params, code",
    [
        ({"light": "blue"}, "validation_error"),
        ({"status": "nonsense"}, "unknown_status"),
        ({"limit": 0}, "validation_error"),
        ({"limit": 101}, "validation_error"),
        ({"cursor": "!!!"}, "invalid_cursor"),
        ({"kind": "gossip"}, "validation_error"),
    ],
)
async def test_bad_parameters_are_problems_not_errors(client, tokens, params, code):
    r = await client.get("/api/v1/staff/cases", params=params, headers=bearer(tokens["handler"]))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code


async def test_citizens_have_no_staff_queue(client, citizen_token):
    r = await client.get("/api/v1/staff/cases", headers=bearer(citizen_token))
    assert r.status_code == 401


async def test_function_with_explicit_now(client, citizen_token):
    t = datetime(2026, 10, 8, 9, 0, tzinfo=UTC)
    cases = {c: await new_case(client, citizen_token, **await assign("NB-STHJJ", **f))
             for c, f in lights(t).items()}
    unit = await Unit.get(code="NB-STHJJ")
    who = Principal(kind="staff", id=1, roles=frozenset({"handler"}), unit_id=unit.id,
                    unit_path=unit.path)
    for colour, no in cases.items():
        page = await queues.list_cases(who, light=colour, now=t)
        assert [i["tracking_no"] for i in page["items"]] == [no]
    # a week later the yellow one is red too, the green one yellow
    later = t + timedelta(days=7, hours=1)
    page = await queues.list_cases(who, light="red", now=later)
    assert [i["tracking_no"] for i in page["items"]] == [cases["red"], cases["yellow"]]
    page = await queues.list_cases(who, light="yellow", now=later)
    assert [i["tracking_no"] for i in page["items"]] == [cases["green"]]
