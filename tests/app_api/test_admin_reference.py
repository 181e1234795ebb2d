"""Administration of categories, routing rules, the calendar and reward programmes over HTTP."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter

from app_api.schemas.reference import CategoryOut
from launch.seed import DEMO_PASSWORD
from models.audit import AuditEntry
from models.case import Case
from models.org import Unit
from tests.conftest import COMPLAINT, bearer, login_citizen, login_staff

ADMIN = "/api/v1/admin"


async def headers(client: httpx.AsyncClient, username: str = "admin") -> dict[str, str]:
    return bearer(await login_staff(client, username))


async def city_admin(client: httpx.AsyncClient, unit_code: str = "HZ12345") -> dict[str, str]:
    """An administrator of a city's 12345 centre (its subtree, region 330100 and below)."""
    from identity.staff import create_staff
    from models.org import Staff

    username = f"admin_{unit_code.lower()}"
    if not await Staff.exists(username=username):
        await create_staff(username, DEMO_PASSWORD, ["admin"], await Unit.get(code=unit_code))
    return await headers(client, username)


async def audit_of(action: str, target: str) -> AuditEntry:
    entry = await AuditEntry.filter(action=action, target=target).order_by("-seq").first()
    assert entry is not None, f"no audit entry {action} {target}"
    return entry


def field_of(reply: dict[str, Any]) -> list[Any]:
    return list(reply["errors"][0]["loc"])


LIGHT = {"code": "ENV-LIGHT", "name": "光污染", "kinds": ["complaint", "report"],
         "parent_code": "ENV"}


# -- categories -----------------------------------------------------------------------------
async def test_root_admin_creates_a_category_that_citizens_see_at_once(
    client: httpx.AsyncClient, fresh_org: None
) -> None:
    r = await client.get("/api/v1/categories")  # warms this process's copy
    assert "ENV-LIGHT" not in {c["code"] for c in r.json()}
    r = await client.post(f"{ADMIN}/categories", json=LIGHT, headers=await headers(client))
    assert r.status_code == 201, r.text
    assert r.json() == {**LIGHT, "rewardable": False, "active": True,
                             "auto_dispatch": False, "default_procedure": "normal"}
    listed = {c["code"]: c for c in (await client.get("/api/v1/categories")).json()}
    assert listed["ENV-LIGHT"]["parent_code"] == "ENV"
    entry = await audit_of("category.create", "category:ENV-LIGHT")
    assert entry.actor == "admin" and entry.before is None
    assert entry.after is not None and entry.after["kinds"] == ["complaint", "report"]


async def test_the_cached_category_reply_is_the_models_and_follows_a_rename(
    client: httpx.AsyncClient, fresh_org: None
) -> None:
    r = await client.get("/api/v1/categories")
    assert r.headers["content-type"] == "application/json"
    shaped = TypeAdapter(list[CategoryOut]).validate_python(r.json())
    assert r.json() == [c.model_dump(mode="json") for c in shaped]
    assert (await client.get("/api/v1/categories")).content == r.content  # the kept bytes
    r = await client.patch(f"{ADMIN}/categories/ENV", json={"name": "生态环境"},
                           headers=await headers(client))
    assert r.status_code == 200, r.text
    listed = {c["code"]: c for c in (await client.get("/api/v1/categories")).json()}
    assert listed["ENV"]["name"] == "生态环境"


async def test_category_write_errors_name_the_field(
    client: httpx.AsyncClient, fresh_org: None
) -> None:
    h = await headers(client)
    r = await client.post(f"{ADMIN}/categories", json={**LIGHT, "code": "ENV-NOISE"}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "duplicate_code"
    assert field_of(r.json()) == ["body", "code"] and "ENV-NOISE" in r.json()["detail"]
    r = await client.post(f"{ADMIN}/categories", json={**LIGHT, "parent_code": "NOPE"},
                          headers=h)
    assert r.status_code == 422 and field_of(r.json()) == ["body", "parent_code"]
    r = await client.post(f"{ADMIN}/categories", json={**LIGHT, "kinds": ["gossip"]}, headers=h)
    assert r.status_code == 422 and field_of(r.json())[:2] == ["body", "kinds"]
    # ENV → ENV-WATER → ENV-WATER-V: ENV under its own grandchild is a cycle
    r = await client.patch(f"{ADMIN}/categories/ENV", json={"parent_code": "ENV-WATER-V"},
                           headers=h)
    assert r.status_code == 422 and r.json()["code"] == "parent_cycle"
    r = await client.patch(f"{ADMIN}/categories/ENV", json={"parent_code": "ENV"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "parent_cycle"
    r = await client.patch(f"{ADMIN}/categories/NOPE", json={"name": "x"}, headers=h)
    assert r.status_code == 404
    r = await client.patch(f"{ADMIN}/categories/ENV", json={"name": None}, headers=h)
    assert r.status_code == 422


async def test_only_root_admins_write_categories(
    client: httpx.AsyncClient, fresh_org: None
) -> None:
    city = await city_admin(client)
    r = await client.post(f"{ADMIN}/categories", json=LIGHT, headers=city)
    assert r.status_code == 403 and r.json()["code"] == "province_admin_only"
    r = await client.patch(f"{ADMIN}/categories/ENV", json={"name": "环境"}, headers=city)
    assert r.status_code == 403
    assert (await client.get(f"{ADMIN}/categories", headers=city)).status_code == 200
    for role in ("dispatcher", "reward_admin"):
        h = await headers(client, role)
        assert (await client.get(f"{ADMIN}/categories", headers=h)).status_code == 403
        assert (await client.post(f"{ADMIN}/categories", json=LIGHT,
                                  headers=h)).status_code == 403


async def test_category_list_filters_and_pages(client: httpx.AsyncClient) -> None:
    h = await headers(client)
    r = await client.get(f"{ADMIN}/categories", params={"q": "水"}, headers=h)
    assert {c["code"] for c in r.json()["items"]} >= {"ENV-WATER", "ENV-WATER-V"}
    assert all("水" in c["name"] or "水" in c["code"] for c in r.json()["items"])
    r = await client.get(f"{ADMIN}/categories", params={"parent_code": "MARKET"}, headers=h)
    assert [c["code"] for c in r.json()["items"]] == [
        "MARKET-FOOD", "MARKET-PRICE", "MARKET-CONSUMER"]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 8} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{ADMIN}/categories", params=params, headers=h)).json()
        seen += [c["code"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 21
    r = await client.get(f"{ADMIN}/categories", params={"cursor": "junk"}, headers=h)
    assert r.status_code == 422


async def test_an_inactive_category_is_refused_for_new_cases_and_unlisted(
    client: httpx.AsyncClient, fresh_org: None
) -> None:
    citizen = bearer((await login_citizen(client, "13800138000"))["access_token"])
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=citizen)
    assert r.status_code == 201, r.text
    r = await client.patch(f"{ADMIN}/categories/ENV-NOISE", json={"active": False},
                           headers=await headers(client))
    assert r.status_code == 200 and r.json()["active"] is False
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=citizen)
    assert r.status_code == 422 and r.json()["code"] == "inactive_category"
    assert "ENV-NOISE" not in {c["code"] for c in (await client.get("/api/v1/categories")).json()}
    inactive = await client.get(f"{ADMIN}/categories", params={"active": "false"},
                                headers=await headers(client))
    assert [c["code"] for c in inactive.json()["items"]] == ["ENV-NOISE"]
    entry = await audit_of("category.update", "category:ENV-NOISE")
    assert (entry.before, entry.after) == ({"active": True}, {"active": False})


# -- routing rules --------------------------------------------------------------------------
async def suggestion(client: httpx.AsyncClient, no: str) -> str | None:
    r = await client.get(f"/api/v1/staff/cases/{no}/routing",
                         headers=await headers(client, "dispatcher"))
    assert r.status_code == 200, r.text
    unit = r.json()["unit"]
    return unit["code"] if unit else None


async def test_a_route_change_is_followed_at_once_by_routing_suggestions(
    client: httpx.AsyncClient, fresh_org: None
) -> None:
    citizen = bearer((await login_citizen(client, "13800138000"))["access_token"])
    no = (await client.post("/api/v1/cases", json=COMPLAINT, headers=citizen)).json()[
        "tracking_no"]
    assert await suggestion(client, no) == "HZ-GAJ"  # ENV-NOISE in 330100
    city = await city_admin(client)
    xh = await Unit.get(code="HZ-XH-CGJ")
    r = await client.post(f"{ADMIN}/routing-rules", headers=city, json={
        "category_code": "ENV-NOISE", "region_code": "330106", "unit_id": xh.id})
    assert r.status_code == 201, r.text
    rule = r.json()
    assert rule["unit"]["code"] == "HZ-XH-CGJ"
    assert await suggestion(client, no) == "HZ-XH-CGJ"
    entry = await audit_of("routing_rule.create", f"routing_rule:{rule['id']}")
    assert entry.after == {"category_code": "ENV-NOISE", "region_code": "330106",
                           "unit_id": xh.id}
    assert entry.scope_path == xh.path
    r = await client.delete(f"{ADMIN}/routing-rules/{rule['id']}", headers=city)
    assert r.status_code == 204
    assert await suggestion(client, no) == "HZ-GAJ"
    entry = await audit_of("routing_rule.delete", f"routing_rule:{rule['id']}")
    assert entry.before == {"category_code": "ENV-NOISE", "region_code": "330106",
                            "unit_id": xh.id} and entry.after is None


async def test_routing_rule_errors_and_scope(client: httpx.AsyncClient, fresh_org: None) -> None:
    city = await city_admin(client)
    xh, nb = await Unit.get(code="HZ-XH-CGJ"), await Unit.get(code="NB-STHJJ")
    rule = {"category_code": "ENV-AIR", "region_code": "330106", "unit_id": xh.id}

    async def post(body: dict[str, Any], h: dict[str, str] = city) -> httpx.Response:
        return await client.post(f"{ADMIN}/routing-rules", json=body, headers=h)

    for field, value in (("category_code", "NOPE"), ("region_code", "999999"),
                         ("unit_id", 99999), ("unit_id", nb.id)):
        r = await post(rule | {field: value})
        assert r.status_code == 422 and field_of(r.json()) == ["body", field], (field, r.text)
    r = await post(rule | {"region_code": "330200"})  # Ningbo: not the Hangzhou admin's region
    assert r.status_code == 422 and r.json()["code"] == "region_out_of_scope"
    assert field_of(r.json()) == ["body", "region_code"]
    r = await post(rule | {"region_code": "330000"})  # the province, above the city
    assert r.status_code == 422 and r.json()["code"] == "region_out_of_scope"
    assert (await post(rule)).status_code == 201
    r = await post(rule)
    assert r.status_code == 409 and r.json()["code"] == "duplicate_rule"
    # the root admin may route any region
    assert (await post(rule | {"region_code": "330000"}, await headers(client))).status_code == 201
    # a city admin sees and deletes only the rules of its subtree
    mine = (await client.get(f"{ADMIN}/routing-rules", headers=city,
                             params={"limit": 100})).json()["items"]
    hz = await Unit.get(code="HZ12345")
    paths = {u.id: u.path for u in await Unit.all()}
    assert mine and all(paths[r["unit_id"]].startswith(hz.path) for r in mine)
    everything = (await client.get(f"{ADMIN}/routing-rules", headers=await headers(client),
                                   params={"unit_id": nb.id})).json()["items"]
    assert everything and all(r["unit_id"] == nb.id for r in everything)
    r = await client.delete(f"{ADMIN}/routing-rules/{everything[0]['id']}", headers=city)
    assert r.status_code == 404
    filtered = (await client.get(f"{ADMIN}/routing-rules", headers=city, params={
        "category_code": "ENV-AIR", "region_code": "330106"})).json()["items"]
    assert [(r["category_code"], r["region_code"]) for r in filtered] == [("ENV-AIR", "330106")]
    for role in ("dispatcher", "handler", "reward_admin"):
        h = await headers(client, role)
        assert (await post(rule, h)).status_code == 403
        assert (await client.get(f"{ADMIN}/routing-rules", headers=h)).status_code == 403


# -- the working calendar -------------------------------------------------------------------
YEAR_2027 = [
    {"date": "2027-01-01", "working": False, "name": "元旦"},
    {"date": "2027-02-06", "working": False, "name": "春节"},
    {"date": "2027-02-07", "working": False, "name": "春节"},
    {"date": "2027-02-08", "working": False, "name": "春节"},
    {"date": "2027-02-20", "working": True, "name": "调休"},  # a Saturday
    {"date": "2027-10-01", "working": False, "name": "国庆节"},
]


async def test_put_a_year_recomputes_provisional_deadlines(
    client: httpx.AsyncClient, fresh_org: None
) -> None:
    from casework.calendar_store import load_calendar

    citizen = bearer((await login_citizen(client, "13800138000"))["access_token"])
    no = (await client.post("/api/v1/cases", json=COMPLAINT, headers=citizen)).json()[
        "tracking_no"]
    await Case.filter(tracking_no=no).update(provisional_deadline=True)
    assert (await load_calendar()).is_provisional(date(2027, 1, 4))
    h = await headers(client)
    r = await client.put(f"{ADMIN}/calendar/2027", json={"days": YEAR_2027}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json() == {"year": 2027, "days": 6, "holidays": 5, "workdays": 1,
                        "recomputed": 1}
    assert (await Case.get(tracking_no=no)).provisional_deadline is False
    cal = await load_calendar()  # this process's copy followed at once
    assert not cal.is_provisional(date(2027, 1, 4))
    assert not cal.is_workday(date(2027, 2, 8)) and cal.is_workday(date(2027, 2, 20))
    back = (await client.get(f"{ADMIN}/calendar/2027", headers=h)).json()
    assert back["known"] is True and back["source"] == "api:admin"
    assert [d["date"] for d in back["days"]] == [d["date"] for d in YEAR_2027]
    entry = await audit_of("calendar.import", "calendar:2027")
    assert entry.before is None
    assert entry.after == {"days": 6, "holidays": 5, "workdays": 1, "source": "api:admin"}
    # replaced, not merged
    r = await client.put(f"{ADMIN}/calendar/2027", json={"days": YEAR_2027[:1]}, headers=h)
    assert r.json()["days"] == 1
    assert len((await client.get(f"{ADMIN}/calendar/2027", headers=h)).json()["days"]) == 1
    entry = await audit_of("calendar.import", "calendar:2027")
    assert entry.before is not None and entry.before["days"] == 6


@pytest.mark.parametrize(
    ("days", "code", "loc"),
    [
        ([*YEAR_2027, {"date": "2027-13-40", "working": False}], "invalid_date",
         ["body", "days", 6, "date"]),
        ([*YEAR_2027, {"date": "27-1-1", "working": False}], "invalid_date",
         ["body", "days", 6, "date"]),
        ([*YEAR_2027[:3], {"date": "2026-12-31", "working": False}], "date_outside_year",
         ["body", "days", 3, "date"]),
        ([*YEAR_2027[:4], {"date": "2027-02-06", "working": True}], "duplicate_date",
         ["body", "days", 4, "date"]),
        ([*YEAR_2027[:1], {"date": "2027-02-17", "working": True}], "workday_contradiction",
         ["body", "days", 1, "working"]),  # a Wednesday
        ([{"date": "2027-02-20", "working": True}], "no_holidays", ["body", "days"]),
        ([], "no_holidays", ["body", "days"]),
    ],
)
async def test_calendar_errors_name_the_entry(
    client: httpx.AsyncClient, fresh_org: None, days: list[dict[str, Any]], code: str,
    loc: list[Any],
) -> None:
    r = await client.put(f"{ADMIN}/calendar/2027", json={"days": days},
                         headers=await headers(client))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code and field_of(r.json()) == loc
    back = (await client.get(f"{ADMIN}/calendar/2027", headers=await headers(client))).json()
    assert back["known"] is False  # nothing stored


async def test_calendar_year_range_and_roles(client: httpx.AsyncClient, fresh_org: None) -> None:
    h = await headers(client)
    for year in (1999, 2101):
        r = await client.put(f"{ADMIN}/calendar/{year}", json={"days": []}, headers=h)
        assert r.status_code == 422
    city = await city_admin(client)
    r = await client.put(f"{ADMIN}/calendar/2027", json={"days": YEAR_2027}, headers=city)
    assert r.status_code == 403 and r.json()["code"] == "province_admin_only"
    assert (await client.get(f"{ADMIN}/calendar/2027", headers=city)).status_code == 200
    r = await client.put(f"{ADMIN}/calendar/2027", json={"days": YEAR_2027},
                         headers=await headers(client, "supervisor"))
    assert r.status_code == 403


# -- reward programmes ----------------------------------------------------------------------
async def demo_program() -> int:
    from rewards.programs import seed_demo_program

    return (await seed_demo_program()).id


async def test_reward_admin_changes_budget_end_and_active(client: httpx.AsyncClient) -> None:
    pid = await demo_program()
    h = await headers(client, "reward_admin")
    r = await client.patch(f"{ADMIN}/rewards/programs/{pid}", headers=h,
                           json={"budget": "2000000.50", "active": False})
    assert r.status_code == 200, r.text
    assert r.json()["budget_total"] == "2000000.50" and r.json()["active"] is False
    entry = await audit_of("reward_program.update", f"reward_program:{pid}")
    assert entry.actor == "reward_admin"
    assert entry.before == {"budget": "1000000.00", "active": True}
    assert entry.after == {"budget": "2000000.50", "active": False}
    r = await client.patch(f"{ADMIN}/rewards/programs/{pid}", headers=h,
                           json={"ends_on": "2000-01-01"})
    assert r.status_code == 422 and field_of(r.json()) == ["body", "ends_on"]
    r = await client.patch(f"{ADMIN}/rewards/programs/999999", headers=h, json={"active": True})
    assert r.status_code == 404
    for role in ("admin", "dispatcher"):
        r = await client.patch(f"{ADMIN}/rewards/programs/{pid}", json={"active": True},
                               headers=await headers(client, role))
        assert r.status_code == 403


async def test_the_budget_never_drops_below_what_is_committed(client: httpx.AsyncClient) -> None:
    from models.reward import RewardProgram

    pid = await demo_program()
    await RewardProgram.filter(id=pid).update(committed_fen=50_000)  # 500 yuan approved
    h = await headers(client, "reward_admin")
    r = await client.patch(f"{ADMIN}/rewards/programs/{pid}", headers=h, json={"budget": 499.99})
    assert r.status_code == 409 and r.json()["code"] == "budget_below_committed"
    assert r.json()["committed"] == "500.00"
    r = await client.patch(f"{ADMIN}/rewards/programs/{pid}", headers=h, json={"budget": 500})
    assert r.status_code == 200 and r.json()["budget_remaining"] == "0.00"
