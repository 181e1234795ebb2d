"""SMS-code login, refresh, staff login and kiosk keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.citizen import Citizen, SmsCode
from models.outbox import OutboxMessage
from tests.conftest import (
    bearer,
    last_sms_text,
    login_citizen,
    login_staff,
    reset_rate_limits,
)

PHONE = "13900001111"


async def test_sms_code_goes_out_through_the_outbox_as_six_digits(client):
    r = await client.post("/api/v1/auth/sms-code", json={"phone": PHONE})
    assert r.status_code == 202
    sms = await last_sms_text(PHONE)
    assert sms["template"] == "login_code"
    assert len(sms["code"]) == 6 and sms["code"].isdigit()
    row = await OutboxMessage.get(template="login_code")
    assert row.urgent is True
    assert PHONE not in (row.address_enc or "")  # encrypted at rest
    assert sms["code"] not in row.params_enc


async def test_login_creates_citizen_with_encrypted_phone(client, settings):
    reply = await login_citizen(client, PHONE)
    assert reply["token_type"] == "bearer"
    assert reply["citizen"]["phone_masked"] == "139****1111"
    citizen = await Citizen.get(id=reply["citizen"]["id"])
    assert PHONE not in (citizen.phone_enc or "")
    assert citizen.phone_hash and PHONE not in citizen.phone_hash
    await reset_rate_limits(settings)
    again = await login_citizen(client, "+86 139-0000-1111")
    assert again["citizen"]["id"] == citizen.id


async def test_code_dies_after_five_wrong_tries(client):
    await client.post("/api/v1/auth/sms-code", json={"phone": PHONE})
    code = (await last_sms_text(PHONE))["code"]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        r = await client.post("/api/v1/auth/sms-login", json={"phone": PHONE, "code": wrong})
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
    r = await client.post("/api/v1/auth/sms-login", json={"phone": PHONE, "code": code})
    assert r.status_code == 401


async def test_code_expires_after_five_minutes(client):
    await client.post("/api/v1/auth/sms-code", json={"phone": PHONE})
    code = (await last_sms_text(PHONE))["code"]
    await SmsCode.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    r = await client.post("/api/v1/auth/sms-login", json={"phone": PHONE, "code": code})
    assert r.status_code == 401


async def test_code_is_single_use(client):
    await client.post("/api/v1/auth/sms-code", json={"phone": PHONE})
    code = (await last_sms_text(PHONE))["code"]
    ok = await client.post("/api/v1/auth/sms-login", json={"phone": PHONE, "code": code})
    assert ok.status_code == 200
    again = await client.post("/api/v1/auth/sms-login", json={"phone": PHONE, "code": code})
    assert again.status_code == 401


async def test_code_requests_are_throttled_per_phone(client):
    assert (await client.post("/api/v1/auth/sms-code", json={"phone": PHONE})).status_code == 202
    r = await client.post("/api/v1/auth/sms-code", json={"phone": PHONE})
    assert r.status_code == 429
    assert r.json()["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) >= 1
    assert await SmsCode.all().count() == 1


async def test_code_requests_are_throttled_per_ip(client, settings):
    statuses = []
    for i in range(settings.sms_code_per_ip_hourly + 1):
        r = await client.post("/api/v1/auth/sms-code", json={"phone": f"1370000{i:04d}"})
        statuses.append(r.status_code)
    assert statuses[:-1] == [202] * settings.sms_code_per_ip_hourly
    assert statuses[-1] == 429


async def test_bad_phone_is_a_problem(client):
    r = await client.post("/api/v1/auth/sms-code", json={"phone": "12345"})
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_phone"


async def test_refresh_rotates_and_spent_refresh_is_refused(client):
    reply = await login_citizen(client, PHONE)
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": reply["refresh_token"]})
    assert r.status_code == 200
    fresh = r.json()
    assert fresh["access_token"] and fresh["refresh_token"] != reply["refresh_token"]
    r = await client.get("/api/v1/cases/mine", headers=bearer(fresh["access_token"]))
    assert r.status_code == 200
    replay = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": reply["refresh_token"]}
    )
    assert replay.status_code == 401


async def test_access_token_cannot_refresh_and_garbage_is_401(client):
    reply = await login_citizen(client, PHONE)
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": reply["access_token"]})
    assert r.status_code == 401
    r = await client.get("/api/v1/cases/mine", headers=bearer("not.a.jwt"))
    assert r.status_code == 401


async def test_staff_login(client):
    token = await login_staff(client, "dispatcher", fresh=True)
    r = await client.get("/api/v1/staff/units", headers=bearer(token))
    assert r.status_code == 200
    bad = await client.post(
        "/api/v1/auth/staff-login", json={"username": "dispatcher", "password": "wrong-pass"}
    )
    assert bad.status_code == 401
    nobody = await client.post(
        "/api/v1/auth/staff-login", json={"username": "nobody", "password": "wrong-pass"}
    )
    assert nobody.status_code == 401


async def test_kiosk_device_key_files_a_kiosk_case(client):
    from identity.staff import create_device
    from models.org import Device, Unit
    from tests.conftest import COMPLAINT

    device, key = await create_device("西湖区行政服务中心 1 号机", await Unit.get(code="HZ-XH"))
    stored = await Device.get(id=device.id)
    assert key not in stored.key_digest
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers={"X-Device-Key": key})
    assert r.status_code == 201, r.text
    assert r.json()["channel"] == "kiosk"
    bad = await client.post("/api/v1/cases", json=COMPLAINT, headers={"X-Device-Key": "nope"})
    assert bad.status_code == 401
