"""Administration of units, staff and kiosks over HTTP: a city built from nothing, roles,
scope, deactivation and password resets that take effect at once, and the audit log."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from models.audit import AuditEntry
from models.case import Case
from models.org import Unit
from tests.conftest import COMPLAINT, bearer, login_staff

API = "/api/v1"
STRONG = "Tz-hotline-2026"


async def call(client: httpx.AsyncClient, token: str, method: str, path: str,
               body: Any = None, status: int = 200) -> Any:
    r = await client.request(method, API + path, json=body, headers=bearer(token))
    assert r.status_code == status, r.text
    return r.json() if r.content else None


async def sign_in(client: httpx.AsyncClient, username: str, password: str = STRONG) -> dict:
    r = await client.post(f"{API}/auth/staff-login",
                          json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


async def entry(action: str, target: str) -> AuditEntry:
    found = await AuditEntry.filter(action=action, target=target).order_by("-seq").first()
    assert found is not None, f"no {action} of {target} in the audit log"
    return found


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> str:
    return await login_staff(client, "admin")  # the province's: the root unit


@pytest.fixture
async def city(client, fresh_org, admin) -> dict[str, Any]:
    """A city platform under the root with one department, a city admin and a handler, all
    created through the API."""
    root = await Unit.get(code="ZJ12345")
    tz = await call(client, admin, "POST", "/admin/units", {
        "code": "TZ12345", "name": "台州市12345政务服务热线", "region_code": "330300",
        "parent_id": root.id, "kind": "platform", "email": "tz@12345.example.gov.cn",
    }, 201)
    env = await call(client, admin, "POST", "/admin/units", {
        "code": "TZ-STHJJ", "name": "台州市生态环境局", "region_code": "330300",
        "parent_id": tz["id"],
    }, 201)
    boss = await call(client, admin, "POST", "/admin/staff", {
        "username": "tz_admin", "password": STRONG, "roles": ["admin"], "unit_id": tz["id"],
    }, 201)
    handler = await call(client, admin, "POST", "/admin/staff", {
        "username": "tz_handler", "password": STRONG, "roles": ["handler"],
        "unit_id": env["id"], "phone": "13800138000", "display_name": "王工",
    }, 201)
    return {"tz": tz, "env": env, "admin": boss, "handler": handler}


async def test_a_city_is_built_from_nothing_and_serves_a_case(client, city, admin,
                                                                citizen_token):
    tz, env, handler = city["tz"], city["env"], city["handler"]
    assert tz["path"] == f"/1/{tz['id']}/" and tz["active"] and tz["kind"] == "platform"
    assert env["path"] == f"{tz['path']}{env['id']}/" and env["kind"] == "department"
    assert handler["phone"] == "138****8000" and handler["unit"] == {
        "id": env["id"], "name": "台州市生态环境局"}
    assert handler["must_change_password"] is False and handler["display_name"] == "王工"

    r = await client.post(f"{API}/cases", json=COMPLAINT, headers=bearer(citizen_token))
    no = r.json()["tracking_no"]
    dispatcher = await login_staff(client, "dispatcher")
    await call(client, dispatcher, "POST", f"/staff/cases/{no}/dispatch",
               {"unit_id": env["id"], "procedure": "normal"})
    worker = (await sign_in(client, "tz_handler"))["access_token"]
    queue = await call(client, worker, "GET", "/staff/cases")
    assert [c["tracking_no"] for c in queue["items"]] == [no]
    await call(client, worker, "POST", f"/staff/cases/{no}/sign", {})

    created = await entry("unit.create", f"unit:{env['id']}")
    assert created.actor == "admin" and created.scope_path == env["path"]
    assert created.after is not None and created.after["code"] == "TZ-STHJJ"
    made = await entry("staff.create", "staff:tz_handler")
    assert made.after is not None and made.after["phone"] == "138****8000"
    assert STRONG not in str(made.after) and not {"password", "password_hash", "phone_hash"} & set(
        made.after)


async def test_only_administrators_administer(client, city):
    for role in ("operator", "dispatcher", "handler", "supervisor", "reward_admin"):
        token = await login_staff(client, role)
        for method, path in (("GET", "/admin/units"), ("GET", "/admin/staff"),
                             ("GET", "/admin/devices"), ("DELETE", "/admin/devices/1")):
            await call(client, token, method, path, status=403)
        await call(client, token, "PATCH", f"/admin/units/{city['env']['id']}",
                   {"name": "x"}, 403)
    r = await client.get(f"{API}/admin/units")
    assert r.status_code == 401


async def test_a_city_admin_sees_and_touches_only_its_city(client, city):
    tz_admin = (await sign_in(client, "tz_admin"))["access_token"]
    listed = await call(client, tz_admin, "GET", "/admin/units")
    assert {u["code"] for u in listed["items"]} == {"TZ12345", "TZ-STHJJ"}
    people = await call(client, tz_admin, "GET", "/admin/staff")
    assert {s["username"] for s in people["items"]} == {"tz_admin", "tz_handler"}

    nb = await Unit.get(code="NB-STHJJ")
    await call(client, tz_admin, "PATCH", f"/admin/units/{nb.id}", {"name": "x"}, 404)
    bad = await call(client, tz_admin, "POST", "/admin/units", {
        "code": "TZ-X", "name": "x", "region_code": "330300", "parent_id": nb.id}, 422)
    assert bad["errors"][0]["loc"] == ["body", "parent_id"]
    bad = await call(client, tz_admin, "POST", "/admin/staff", {
        "username": "tz_x", "password": STRONG, "roles": ["handler"], "unit_id": nb.id}, 422)
    assert bad["errors"][0]["loc"] == ["body", "unit_id"]
    bad = await call(client, tz_admin, "POST", "/admin/devices",
                     {"name": "x", "unit_id": nb.id}, 422)
    assert bad["errors"][0]["loc"] == ["body", "unit_id"]
    nb_handler = (await sign_in(client, "handler_nb", "hotline-demo-2026"))["staff"]["id"]
    await call(client, tz_admin, "PATCH", f"/admin/staff/{nb_handler}", {"active": False}, 404)
    await call(client, tz_admin, "POST", f"/admin/staff/{nb_handler}/password",
               {"password": STRONG}, 404)
    admin = await login_staff(client, "admin")
    kiosk = await call(client, admin, "POST", "/admin/devices", {"name": "宁波 1 号机",
                                                                 "unit_id": nb.id}, 201)
    await call(client, tz_admin, "DELETE", f"/admin/devices/{kiosk['id']}", status=404)
    # its own unit: editable, but not movable nor deactivatable
    await call(client, tz_admin, "PATCH", f"/admin/units/{city['tz']['id']}",
               {"name": "台州市12345热线"})
    own = await call(client, tz_admin, "PATCH", f"/admin/units/{city['tz']['id']}",
                     {"active": False}, 409)
    assert own["code"] == "own_unit"


async def test_unit_rules(client, city, admin):
    root = await Unit.get(code="ZJ12345")
    body = {"code": "TZ-STHJJ", "name": "重复", "region_code": "330300", "parent_id": root.id}
    dup = await call(client, admin, "POST", "/admin/units", body, 409)
    assert dup["code"] == "duplicate_code" and dup["errors"][0]["loc"] == ["body", "code"]
    region = await call(client, admin, "POST", "/admin/units",
                        body | {"code": "TZ-NEW", "region_code": "339999"}, 422)
    assert region["errors"][0]["loc"] == ["body", "region_code"]
    cycle = await call(client, admin, "PATCH", f"/admin/units/{city['tz']['id']}",
                       {"parent_id": city["env"]["id"]}, 422)
    assert cycle["code"] == "parent_cycle" and cycle["errors"][0]["loc"] == ["body", "parent_id"]
    itself = await call(client, admin, "PATCH", f"/admin/units/{city['tz']['id']}",
                        {"parent_id": city["tz"]["id"]}, 422)
    assert itself["code"] == "parent_cycle"
    busy = await call(client, admin, "PATCH", f"/admin/units/{city['env']['id']}",
                      {"active": False}, 409)
    assert busy["code"] == "unit_has_active_staff" and busy["active_staff"] == 1
    parent = await call(client, admin, "PATCH", f"/admin/units/{city['tz']['id']}",
                        {"active": False}, 409)
    assert parent["active_units"] == 1 and parent["active_staff"] == 1


async def test_a_unit_with_open_cases_cannot_be_deactivated(client, city, admin, citizen_token):
    env = city["env"]
    await call(client, admin, "PATCH", f"/admin/staff/{city['handler']['id']}", {"active": False})
    dispatcher = await login_staff(client, "dispatcher")
    for _ in range(2):
        no = (await client.post(f"{API}/cases", json=COMPLAINT,
                                headers=bearer(citizen_token))).json()["tracking_no"]
        await call(client, dispatcher, "POST", f"/staff/cases/{no}/dispatch",
                   {"unit_id": env["id"], "procedure": "normal"})
    refused = await call(client, admin, "PATCH", f"/admin/units/{env['id']}",
                         {"active": False}, 409)
    assert refused["code"] == "unit_has_open_cases" and refused["open_cases"] == 2
    assert "2 件未办结" in refused["detail"]
    await Case.filter(unit_id=env["id"]).update(status="closed")
    done = await call(client, admin, "PATCH", f"/admin/units/{env['id']}", {"active": False})
    assert done["active"] is False
    log = await entry("unit.update", f"unit:{env['id']}")
    assert log.before == {"active": True} and log.after == {"active": False}
    # a deactivated unit takes no new cases, staff or kiosks
    no = (await client.post(f"{API}/cases", json=COMPLAINT,
                            headers=bearer(citizen_token))).json()["tracking_no"]
    refused = await call(client, dispatcher, "POST", f"/staff/cases/{no}/dispatch",
                         {"unit_id": env["id"], "procedure": "normal"}, 422)
    assert refused["code"] == "unit_inactive"
    refused = await call(client, admin, "POST", "/admin/devices",
                         {"name": "x", "unit_id": env["id"]}, 422)
    assert refused["code"] == "unit_inactive"


async def test_moving_a_unit_moves_its_subtree_and_cases(client, city, admin, citizen_token):
    tz, env = city["tz"], city["env"]
    wz = await Unit.get(code="WZ12345")
    no = (await client.post(f"{API}/cases", json=COMPLAINT,
                            headers=bearer(citizen_token))).json()["tracking_no"]
    dispatcher = await login_staff(client, "dispatcher")
    await call(client, dispatcher, "POST", f"/staff/cases/{no}/dispatch",
               {"unit_id": env["id"], "procedure": "normal"})
    moved = await call(client, admin, "PATCH", f"/admin/units/{tz['id']}", {"parent_id": wz.id})
    assert moved["parent_id"] == wz.id and moved["path"] == f"{wz.path}{tz['id']}/"
    child = await Unit.get(id=env["id"])
    assert child.path == f"{wz.path}{tz['id']}/{env['id']}/"
    assert (await Case.get(tracking_no=no)).unit_path == child.path
    log = await entry("unit.update", f"unit:{tz['id']}")
    assert log.before == {"parent_id": 1, "path": tz["path"]}
    assert log.after == {"parent_id": wz.id, "path": moved["path"], "cases_moved": 1}
    # the handler still sees the case, the Wenzhou platform now does too
    worker = (await sign_in(client, "tz_handler"))["access_token"]
    assert len((await call(client, worker, "GET", "/staff/cases"))["items"]) == 1


async def test_a_deactivated_handler_is_signed_out_at_once(client, city, admin):
    signed = await sign_in(client, "tz_handler")
    old, refresh = signed["access_token"], signed["refresh_token"]
    await call(client, old, "GET", "/staff/cases")
    hid = city["handler"]["id"]
    out = await call(client, admin, "PATCH", f"/admin/staff/{hid}", {"active": False})
    assert out["active"] is False
    await call(client, old, "GET", "/staff/cases", status=401)
    r = await client.post(f"{API}/auth/refresh", json={"refresh_token": refresh})
    assert r.status_code == 401
    r = await client.post(f"{API}/auth/staff-login",
                          json={"username": "tz_handler", "password": STRONG})
    assert r.status_code == 401
    log = await entry("staff.update", "staff:tz_handler")
    assert log.before == {"active": True} and log.after == {"active": False}
    assert log.actor == "admin" and log.scope_path == city["env"]["path"]


async def test_a_reset_password_must_be_changed_at_next_sign_in(client, city, admin):
    old = (await sign_in(client, "tz_handler"))["access_token"]
    hid = city["handler"]["id"]
    weak = await call(client, admin, "POST", f"/admin/staff/{hid}/password",
                      {"password": "tz_handler-2026"}, 422)
    assert weak["code"] == "weak_password" and weak["errors"][0]["loc"] == ["body", "password"]
    reset = await call(client, admin, "POST", f"/admin/staff/{hid}/password",
                       {"password": "Temp-pass-2026"})
    assert reset["must_change_password"] is True
    await call(client, old, "GET", "/staff/cases", status=401)
    signed = await sign_in(client, "tz_handler", "Temp-pass-2026")
    assert signed["must_change_password"] is True
    token = signed["access_token"]
    blocked = await call(client, token, "GET", "/staff/cases", status=403)
    assert blocked["code"] == "password_change_required"
    wrong = await call(client, token, "POST", "/auth/staff-password",
                       {"old_password": "nope", "new_password": STRONG}, 422)
    assert wrong["code"] == "wrong_password"
    same = await call(client, token, "POST", "/auth/staff-password",
                      {"old_password": "Temp-pass-2026", "new_password": "Temp-pass-2026"}, 422)
    assert same["code"] == "same_password"
    changed = await call(client, token, "POST", "/auth/staff-password",
                         {"old_password": "Temp-pass-2026", "new_password": "Mine-pass-2026"})
    assert changed["must_change_password"] is False
    await call(client, changed["access_token"], "GET", "/staff/cases")
    await call(client, token, "GET", "/staff/cases", status=401)  # the other session ended
    log = await entry("staff.password_reset", "staff:tz_handler")
    assert log.after == {"must_change_password": True} and log.before is None


async def test_an_admin_cannot_lock_itself_out(client, city):
    tz_admin = (await sign_in(client, "tz_admin"))["access_token"]
    me = city["admin"]["id"]
    for body, code in (({"active": False}, "own_account"),
                       ({"roles": ["handler"]}, "own_admin_role")):
        r = await call(client, tz_admin, "PATCH", f"/admin/staff/{me}", body, 409)
        assert r["code"] == code
    r = await call(client, tz_admin, "POST", f"/admin/staff/{me}/password",
                   {"password": STRONG + "x"}, 409)
    assert r["code"] == "own_password"
    kept = await call(client, tz_admin, "PATCH", f"/admin/staff/{me}",
                      {"roles": ["admin", "supervisor"]})
    assert kept["roles"] == ["admin", "supervisor"]


async def test_staff_rules_and_lists(client, city, admin):
    tz = city["tz"]
    body = {"username": "tz_handler", "password": STRONG, "roles": ["handler"],
            "unit_id": tz["id"]}
    dup = await call(client, admin, "POST", "/admin/staff", body, 409)
    assert dup["code"] == "duplicate_username"
    role = await call(client, admin, "POST", "/admin/staff",
                      body | {"username": "tz_2", "roles": ["wizard"]}, 422)
    assert role["code"] == "unknown_role" and role["errors"][0]["loc"] == ["body", "roles"]
    for n in range(3):
        await call(client, admin, "POST", "/admin/staff",
                   body | {"username": f"tz_op{n}", "roles": ["operator", "kb_editor"]}, 201)
    page = await call(client, admin, "GET", f"/admin/staff?unit_id={tz['id']}&role=kb_editor"
                                            "&limit=2")
    assert [s["username"] for s in page["items"]] == ["tz_op0", "tz_op1"]
    rest = await call(client, admin, "GET", f"/admin/staff?unit_id={tz['id']}&role=kb_editor"
                                            f"&limit=2&cursor={page['next_cursor']}")
    assert [s["username"] for s in rest["items"]] == ["tz_op2"] and rest["next_cursor"] is None
    found = await call(client, admin, "GET", "/admin/units?q=tz-st")
    assert [u["code"] for u in found["items"]] == ["TZ-STHJJ"]
    admins = await call(client, admin, "GET", "/admin/staff?q=tz_&role=admin")
    assert [s["username"] for s in admins["items"]] == ["tz_admin"]
    phone = await call(client, admin, "PATCH", f"/admin/staff/{city['handler']['id']}",
                       {"phone": None})
    assert phone["phone"] is None
    log = await entry("staff.update", "staff:tz_handler")
    assert log.before == {"phone": "138****8000"} and log.after == {"phone": None}
    moved = await call(client, admin, "PATCH", f"/admin/staff/{city['handler']['id']}",
                       {"unit_id": tz["id"], "roles": ["handler", "supervisor"]})
    assert moved["unit"]["id"] == tz["id"] and moved["roles"] == ["handler", "supervisor"]
    log = await entry("staff.update", "staff:tz_handler")
    assert log.before == {"roles": ["handler"], "unit_id": city["env"]["id"]}
    assert log.after == {"roles": ["handler", "supervisor"], "unit_id": tz["id"]}


async def test_a_revoked_kiosk_is_refused_at_once(client, city, admin):
    made = await call(client, admin, "POST", "/admin/devices",
                      {"name": "台州市民中心 1 号机", "unit_id": city["tz"]["id"]}, 201)
    key = made["key"]
    assert key.startswith("kiosk_") and made["active"]
    r = await client.post(f"{API}/cases", json=COMPLAINT, headers={"X-Device-Key": key})
    assert r.status_code == 201
    listed = await call(client, admin, "GET", f"/admin/devices?unit_id={city['tz']['id']}")
    assert [d["id"] for d in listed["items"]] == [made["id"]] and "key" not in listed["items"][0]
    await call(client, admin, "DELETE", f"/admin/devices/{made['id']}", status=204)
    r = await client.post(f"{API}/cases", json=COMPLAINT, headers={"X-Device-Key": key})
    assert r.status_code == 401
    await call(client, admin, "DELETE", f"/admin/devices/{made['id']}", status=204)
    log = await entry("device.revoke", f"device:{made['id']}")
    assert log.before == {"active": True} and log.after == {"active": False}
    assert await AuditEntry.filter(action="device.revoke").count() == 1
