"""Issue 14's story over HTTP, start to end: a city's units and staff are created from nothing,
a category is routed to them, a case is served through them, a handler is deactivated and a
kiosk revoked, and the city's administrator finds each step in the audit log."""

from __future__ import annotations

from typing import Any

from models.org import Unit
from tests.app_api.test_admin_org import API, STRONG, call, sign_in
from tests.conftest import COMPLAINT, bearer, login_staff

LUCHENG = {"lat": 28.0, "lng": 120.65, "address": "温州市鹿城区五马街", "region_code": "330302"}


async def audit(client: Any, token: str, **filters: str) -> list[dict[str, Any]]:
    page = await call(client, token, "GET", "/admin/audit?" + "&".join(
        f"{k}={v}" for k, v in filters.items()))
    return list(page["items"])


async def test_a_city_is_set_up_serves_a_case_and_every_step_is_audited(
    client, fresh_org, citizen_token
):
    root_admin = await login_staff(client, "admin")
    root = await Unit.get(code="ZJ12345")
    city = await call(client, root_admin, "POST", "/admin/units", {
        "code": "LC-GOV", "name": "温州市鹿城区人民政府", "region_code": "330302",
        "parent_id": root.id, "kind": "government",
    }, 201)
    await call(client, root_admin, "POST", "/admin/staff", {
        "username": "lc_admin", "password": STRONG, "roles": ["admin"], "unit_id": city["id"],
    }, 201)
    boss = (await sign_in(client, "lc_admin"))["access_token"]

    # the city's administrator builds the rest of its city
    works = await call(client, boss, "POST", "/admin/units", {
        "code": "LC-CGJ", "name": "鹿城区城市管理局", "region_code": "330302",
        "parent_id": city["id"],
    }, 201)
    handler = await call(client, boss, "POST", "/admin/staff", {
        "username": "lc_handler", "password": STRONG, "roles": ["handler"],
        "unit_id": works["id"],
    }, 201)
    rule = await call(client, boss, "POST", "/admin/routing-rules", {
        "category_code": "ENV-NOISE", "region_code": "330302", "unit_id": works["id"],
    }, 201)
    kiosk = await call(client, boss, "POST", "/admin/devices",
                       {"name": "鹿城区市民中心一号机", "unit_id": works["id"]}, 201)

    # a case from Lucheng is routed to the new bureau and served there
    r = await client.post(f"{API}/cases", json=COMPLAINT | {"location": LUCHENG},
                          headers=bearer(citizen_token))
    assert r.status_code == 201, r.text
    no = r.json()["tracking_no"]
    dispatcher = await login_staff(client, "dispatcher")
    suggestion = await call(client, dispatcher, "GET", f"/staff/cases/{no}/routing")
    assert suggestion["unit"]["id"] == works["id"]
    await call(client, dispatcher, "POST", f"/staff/cases/{no}/dispatch",
               {"unit_id": works["id"], "procedure": "normal"})
    worker = (await sign_in(client, "lc_handler"))["access_token"]
    await call(client, worker, "POST", f"/staff/cases/{no}/sign", {})
    await call(client, worker, "POST", f"/staff/cases/{no}/reply",
               {"content": "已责令工地停止夜间施工。"})

    # the handler leaves: the old token is refused at once; the kiosk is retired likewise
    await call(client, boss, "PATCH", f"/admin/staff/{handler['id']}", {"active": False})
    r = await client.get(f"{API}/staff/cases", headers=bearer(worker))
    assert r.status_code == 401
    r = await client.post(f"{API}/cases", json=COMPLAINT, headers={"X-Device-Key": kiosk["key"]})
    assert r.status_code == 201
    await call(client, boss, "DELETE", f"/admin/devices/{kiosk['id']}", status=204)
    r = await client.post(f"{API}/cases", json=COMPLAINT, headers={"X-Device-Key": kiosk["key"]})
    assert r.status_code == 401

    # the city's administrator reads it all back, with the values before and after
    assert [e["actor"] for e in await audit(client, boss, action="unit.create",
                                            target=f"unit:{works['id']}")] == ["lc_admin"]
    [made] = await audit(client, boss, action="routing_rule.create")
    assert made["target"] == f"routing_rule:{rule['id']}"
    assert made["after"]["unit_id"] == works["id"]
    steps = await audit(client, boss, action="case.", target=f"case:{no}")
    assert [(e["action"], e["before"]["status"], e["after"]["status"]) for e in steps] == [
        ("case.reply", "signed", "replied"),
        ("case.sign", "dispatched", "signed"),
        ("case.dispatch", "submitted", "dispatched"),
    ]
    [left] = await audit(client, boss, action="staff.update", target="staff:lc_handler")
    assert left["before"] == {"active": True} and left["after"] == {"active": False}
    revoked = await audit(client, boss, action="device.revoke")
    assert [e["target"] for e in revoked] == [f"device:{kiosk['id']}"]
    assert {e["actor"] for e in await audit(client, boss, action="staff.login")} == {
        "lc_admin", "lc_handler"}
    # the province's administrator sees it too; Hangzhou's sees none of it
    assert len(await audit(client, root_admin, target=f"case:{no}")) == 3
    hangzhou = await login_staff(client, "admin_hz")
    assert await audit(client, hangzhou, target=f"case:{no}") == []
    assert await audit(client, hangzhou, target="staff:lc_handler") == []
