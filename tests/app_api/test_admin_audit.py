"""The audit log over HTTP: staff case actions, reward decisions and sign-ins land in it with
before and after; an administrator reads its own subtree; nobody edits it."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from identity.staff import create_staff
from launch.seed import DEMO_PASSWORD
from models.org import Unit
from tests.conftest import COMPLAINT, bearer, login_staff
from tests.rewards.support import (  # noqa: F401 (fixtures prog, staffs)
    claim_of,
    handle,
    prog_fixture,
    reporter,
    staffs_fixture,
    submit,
)

AUDIT = "/api/v1/admin/audit"
PHONE_CALL = COMPLAINT | {
    "channel": "phone",
    "citizen": {"name": "张三", "phone": "13900001111"},
}


async def entries(client: httpx.AsyncClient, token: str, **params: Any) -> list[dict[str, Any]]:
    r = await client.get(AUDIT, params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def file_by_phone(client: httpx.AsyncClient) -> str:
    r = await client.post("/api/v1/intake/cases", json=PHONE_CALL,
                          headers=bearer(await login_staff(client, "operator")))
    assert r.status_code == 201, r.text
    return r.json()["tracking_no"]


async def act(client, username: str, no: str, action: str, body: dict | None = None) -> None:
    r = await client.post(f"/api/v1/staff/cases/{no}/{action}", json=body or {},
                          headers=bearer(await login_staff(client, username)))
    assert r.status_code == 200, r.text


async def test_staff_filing_and_case_actions_are_logged_without_personal_data(client):
    no = await file_by_phone(client)
    unit = await Unit.get(code="HZ-STHJJ")
    await act(client, "dispatcher", no, "dispatch", {"unit_id": unit.id, "procedure": "simple"})
    await act(client, "handler", no, "return", {"reason": "不属于本单位职责"})
    admin = await login_staff(client, "admin")
    log = await entries(client, admin, target=f"case:{no}")
    assert [(e["actor"], e["action"]) for e in log] == [
        ("handler", "case.return"), ("dispatcher", "case.dispatch"), ("operator", "case.file"),
    ]
    ret, dispatch, filed = log
    assert dispatch["before"]["status"] == "submitted"
    assert dispatch["after"] == {"status": "dispatched", "unit_id": unit.id,
                                 "note": dispatch["after"]["note"]}
    assert ret["before"] == {"status": "dispatched", "unit_id": unit.id}
    assert ret["after"]["note"] == "退回：不属于本单位职责"
    assert filed["after"]["channel"] == "phone" and filed["before"] is None
    text = str(log)
    for personal in ("张三", "13900001111", COMPLAINT["content"][:8]):
        assert personal not in text


async def test_a_reply_is_logged_without_its_content(client):
    no = await file_by_phone(client)
    unit = await Unit.get(code="HZ-STHJJ")
    await act(client, "dispatcher", no, "dispatch", {"unit_id": unit.id, "procedure": "simple"})
    await act(client, "handler", no, "sign")
    await act(client, "handler", no, "reply", {"content": "已联系张三先生，施工方承诺整改。"})
    reply = (await entries(client, await login_staff(client, "admin"), action="case.reply"))[0]
    assert reply["after"] == {"status": "replied", "unit_id": unit.id}
    assert "张三" not in str(reply)


async def test_citizen_actions_are_not_staff_actions(client, citizen_token):
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(citizen_token))
    assert r.status_code == 201
    assert await entries(client, await login_staff(client, "admin"), action="case.") == []


async def test_reward_decisions_and_counter_real_name_are_logged(client, prog, staffs):
    citizen = await reporter(client, "13600000071", name="李四")
    no = await submit(client, citizen)
    await handle(client, staffs, no, severity="moderate")
    claim = await claim_of(no)
    r = await client.post(f"/api/v1/admin/rewards/claims/{claim.id}/approve",
                          json={"amount": "200.00"},
                          headers=bearer(await login_staff(client, "reward_admin")))
    assert r.status_code == 200, r.text
    admin = await login_staff(client, "admin")
    approved = (await entries(client, admin, action="reward."))[0]
    assert (approved["actor"], approved["action"]) == ("reward_admin", "reward.approve")
    assert approved["target"] == f"reward_claim:{claim.id}"
    assert approved["before"] == {"status": "eligible", "amount": None}
    assert approved["after"] == {"status": "approved", "amount": "200.00"}
    bound = (await entries(client, admin, action="citizen.real_name"))[0]
    assert bound["actor"] == "operator" and bound["target"].startswith("citizen:")
    assert bound["after"] == {"real_name_verified": True, "real_name_method": "counter"}
    assert "李四" not in str(bound)


async def test_sign_ins_that_succeed_and_fail_are_logged(client):
    await login_staff(client, "supervisor", fresh=True)
    r = await client.post("/api/v1/auth/staff-login",
                          json={"username": "supervisor", "password": "wrong-password"})
    assert r.status_code == 401
    log = await entries(client, await login_staff(client, "admin"), actor="supervisor")
    assert [e["after"]["result"] for e in log] == ["wrong_password", "success"]
    assert all(e["action"] == "staff.login" and e["target"] == "staff:supervisor" for e in log)


@pytest.fixture
async def hz_admin(client, fresh_org) -> str:
    await create_staff("hz_admin", DEMO_PASSWORD, ["admin"], await Unit.get(code="HZ12345"))
    return await login_staff(client, "hz_admin")


async def test_a_city_administrator_sees_its_city_and_not_another(client, hz_admin):
    hz, nb = await Unit.get(code="HZ-STHJJ"), await Unit.get(code="NB-STHJJ")
    for unit in (hz, nb):
        no = await file_by_phone(client)
        await act(client, "dispatcher", no, "dispatch", {"unit_id": unit.id,
                                                          "procedure": "simple"})
    await client.post("/api/v1/auth/staff-login",
                      json={"username": "nobody-at-all", "password": "wrong-password"})
    mine = await entries(client, hz_admin)
    assert [(e["action"], e["after"]["unit_id"]) for e in mine if e["action"] ==
            "case.dispatch"] == [("case.dispatch", hz.id)]
    assert not any(e["actor"] == "nobody-at-all" for e in mine)
    everything = await entries(client, await login_staff(client, "admin"))
    assert {e["after"].get("unit_id") for e in everything if e["action"] == "case.dispatch"} \
        == {hz.id, nb.id}
    assert any(e["actor"] == "nobody-at-all" for e in everything)
    r = await client.get(f"{AUDIT}/verify", headers=bearer(hz_admin))
    assert r.status_code == 403


@pytest.mark.parametrize("role", ["operator", "dispatcher", "handler", "supervisor",
                                  "reward_admin"])
async def test_only_administrators_read_the_log(client, role):
    token = await login_staff(client, role)
    for path in (AUDIT, f"{AUDIT}.csv", f"{AUDIT}/verify"):
        r = await client.get(path, headers=bearer(token))
        assert r.status_code == 403, (path, r.text)


async def test_the_csv_export_round_trips_the_list(client):
    no = await file_by_phone(client)
    await act(client, "dispatcher", no, "reject", {"reason": "=HYPERLINK(\"x\")"})
    admin = await login_staff(client, "admin")
    r = await client.get(f"{AUDIT}.csv", params={"action": "case."}, headers=bearer(admin))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert not r.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    listed = list(reversed(await entries(client, admin, action="case.")))
    assert [int(row["seq"]) for row in rows] == [e["seq"] for e in listed]
    assert [row["hash"] for row in rows] == [e["hash"] for e in listed]
    assert [row["action"] for row in rows] == ["case.file", "case.reject"]
    assert rows[1]["after"].startswith("{") and "=HYPERLINK" in rows[1]["after"]


async def test_the_chain_check_over_http(client):
    await file_by_phone(client)
    r = await client.get(f"{AUDIT}/verify", headers=bearer(await login_staff(client, "admin")))
    assert r.status_code == 200
    assert r.json()["intact"] is True and r.json()["count"] >= 1


async def test_bad_filters_are_422_naming_the_field(client):
    admin = await login_staff(client, "admin")
    r = await client.get(AUDIT, params={"from": "2026-13-01"}, headers=bearer(admin))
    assert r.status_code == 422
    r = await client.get(AUDIT, params={"cursor": "forged.cursor"}, headers=bearer(admin))
    assert (r.status_code, r.json()["code"]) == (422, "invalid_cursor")


def test_no_operation_edits_or_deletes_an_entry(app):
    paths = app.openapi()["paths"]
    audit = {p: item for p, item in paths.items() if p.startswith("/api/v1/admin/audit")}
    assert set(audit) == {AUDIT, f"{AUDIT}.csv", f"{AUDIT}/verify"}
    for item in audit.values():
        assert set(item) <= {"get", "parameters"}, item.keys()
