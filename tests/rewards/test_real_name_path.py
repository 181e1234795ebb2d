"""Done when: the whole path over HTTP, with no database edit anywhere. Citizens made real-name
at a counter and at a kiosk file water-pollution reports with photos, the unit verifies them,
a reward administrator (who alone sees the verified identity in full) approves, and the pickup
code pays at a service hall."""

from __future__ import annotations

import asyncio

from hotline import settings as settings_mod
from identity.staff import create_device
from models.org import Unit
from tests.conftest import bearer, last_sms_text, login_citizen
from tests.identity.ids import id_number
from tests.media import fixtures as fx
from tests.rewards.support import (  # noqa: F401 (fixtures prog, staffs)
    WATER,
    moved,
    prog_fixture,
    sms_params,
    staffs_fixture,
)

API = "/api/v1"
ADMIN = f"{API}/admin/rewards"
COUNTER_ID = id_number("330106", "19850612", "031")
KIOSK_ID = id_number("330102", "19921120", "046")


async def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def report_with_photo(client, token: str, body: dict, seed: int) -> str:
    photo = fx.encode_jpeg(fx.make_scene(640, 480, seed=seed), quality=90)
    uploaded = await ok(await client.post(
        f"{API}/photos", files={"file": ("river.jpg", photo, "image/jpeg")},
        headers=bearer(token),
    ), 201)
    case = await ok(await client.post(
        f"{API}/cases", json=body | {"photo_ids": [uploaded["id"]]}, headers=bearer(token)
    ), 201)
    assert case["photos"], case
    return case["tracking_no"]


async def verify_at_unit(client, staffs, no: str) -> None:
    unit = await Unit.get(code="HZ-STHJJ")  # read-only: the unit's id for the dispatch body
    dispatcher, handler = await staffs("dispatcher"), await staffs("handler")
    await ok(await client.post(f"{API}/staff/cases/{no}/dispatch",
                               json={"unit_id": unit.id, "procedure": "simple"},
                               headers=bearer(dispatcher)))
    await ok(await client.post(f"{API}/staff/cases/{no}/sign", json={}, headers=bearer(handler)))
    reply = {"content": "经现场核查，确有排污口违法排放，已责令整改并立案。",
             "verified": True, "severity": "moderate"}
    await ok(await client.post(f"{API}/staff/cases/{no}/reply", json=reply,
                               headers=bearer(handler)))


async def approve_and_pay(client, staffs, token: str, phone: str, name: str, number: str,
                          no: str) -> None:
    [mine] = (await ok(await client.get(f"{API}/rewards/claims/mine",
                                        headers=bearer(token))))["items"]
    assert mine["tracking_no"] == no and mine["status"] == "eligible", mine
    admin = bearer(await staffs("reward_admin"))
    detail = await ok(await client.get(f"{ADMIN}/claims/{mine['id']}", headers=admin))
    reporter = detail["reporter"]
    assert (reporter["name"], reporter["id_number"]) == (name, number)
    assert reporter["real_name_verified"] is True
    # nobody on the handling side sees the verified name or number
    for role in ("handler", "dispatcher", "supervisor", "admin", "operator"):
        seen = await client.get(f"{API}/cases/{no}", headers=bearer(await staffs(role)))
        assert seen.status_code == 200, (role, seen.text)
        assert number not in seen.text and name not in seen.text, role
    approved = await ok(await client.post(f"{ADMIN}/claims/{mine['id']}/approve",
                                          json={"amount": "300.00"}, headers=admin))
    assert approved["status"] == "approved", approved
    [pickup] = await sms_params(phone, "reward_pickup")  # the SMS the citizen receives
    paid = await ok(await client.post(f"{ADMIN}/payouts/redeem", json={"code": pickup["code"]},
                                      headers=admin))
    assert paid["amount"] == "300.00" and paid["payee_name"] == name
    [mine] = (await ok(await client.get(f"{API}/rewards/claims/mine",
                                        headers=bearer(token))))["items"]
    assert mine["status"] == "paid" and mine["amount"] == "300.00"


async def test_counter_and_kiosk_citizens_report_a_polluted_river_and_get_paid(
    client, prog, staffs, monkeypatch
):
    # one SMS code a second per phone instead of a minute: the kiosk citizen signs in on the
    # phone right after the kiosk's code (a setting, not a database edit)
    fast = settings_mod.current().model_copy(update={"sms_code_per_phone_interval_s": 1})
    monkeypatch.setattr(settings_mod, "_current", fast)
    # 1. at the counter: an operator who checked the ID card records the identity
    counter_phone, counter_name = "13711110001", "王小明"
    verified = await ok(await client.post(
        f"{API}/staff/citizens/real-name",
        json={"phone": counter_phone, "name": counter_name, "id_number": COUNTER_ID},
        headers=bearer(await staffs("operator")),
    ))
    assert verified["real_name_verified"] is True and verified["name_masked"] == "王*明"
    assert COUNTER_ID not in str(verified)

    # 2. at a kiosk (registered with the service behind `hotline create-device`): the card
    #    reader supplies name and number, the citizen proves the phone with an SMS code
    _, key = await create_device("西湖区行政服务中心 2 号机", await Unit.get(code="HZ-XH"))
    kiosk_phone, kiosk_name = "13711110002", "李红"
    await ok(await client.post(f"{API}/auth/sms-code", json={"phone": kiosk_phone}), 202)
    code = (await last_sms_text(kiosk_phone))["code"]
    verified = await ok(await client.post(
        f"{API}/kiosk/real-name",
        json={"phone": kiosk_phone, "sms_code": code, "name": kiosk_name,
              "id_number": KIOSK_ID},
        headers={"X-Device-Key": key},
    ))
    assert verified["real_name_method"] == "kiosk" and verified["name_masked"] == "李*"

    # 3. both sign in with their phones and report with a photo, far apart
    people = []
    for phone, name, number, body, seed in (
        (counter_phone, counter_name, COUNTER_ID, WATER, 101),
        (kiosk_phone, kiosk_name, KIOSK_ID, moved(WATER, 6000), 202),
    ):
        await asyncio.sleep(1.1)
        login = await login_citizen(client, phone)
        assert login["citizen"]["real_name_verified"] is True
        token = login["access_token"]
        no = await report_with_photo(client, token, body, seed)
        people.append((token, phone, name, number, no))

    # 4. the unit verifies each report; 5. a reward administrator approves; 6. the code pays
    for token, phone, name, number, no in people:
        await verify_at_unit(client, staffs, no)
        await approve_and_pay(client, staffs, token, phone, name, number, no)
    assert await sms_params(counter_phone, "reward_paid")
    assert await sms_params(kiosk_phone, "reward_paid")
