"""The citizen's account over HTTP: the profile, notification preferences, moving the account
to a new phone, signing out, and the problems bad input gets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hotline.crypto import decrypt, encrypt, lookup_hash
from models.case import Case
from models.citizen import Citizen, SmsCode
from models.ops import RefreshToken
from models.org import Staff
from models.outbox import OutboxMessage
from tests.casework.test_queues import new_case
from tests.conftest import bearer, last_sms_text, login_citizen, login_staff, reset_rate_limits

PHONE = "13800138000"
NEW_PHONE = "13900139000"


async def code_for(client, phone: str) -> str:
    r = await client.post("/api/v1/auth/sms-code", json={"phone": phone})
    assert r.status_code == 202, r.text
    return (await last_sms_text(phone))["code"]


def problem(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == code, body
    return body


async def test_me_shows_the_masked_profile(client):
    login = await login_citizen(client, PHONE)
    r = await client.get("/api/v1/me", headers=bearer(login["access_token"]))
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["id"] == login["citizen"]["id"]
    assert me["phone_masked"] == "138****8000"
    assert me["name_masked"] is None and me["real_name_verified"] is False
    assert me["real_name_method"] is None
    assert me["notify"] == {"sms": True, "wechat": True}
    assert datetime.fromisoformat(me["created_at"]) <= datetime.now(UTC)
    # a verified name is shown masked, never in full
    await Citizen.filter(id=me["id"]).update(
        name_enc=encrypt("王小明"), real_name_verified=True, real_name_method="counter"
    )
    r = await client.get("/api/v1/me", headers=bearer(login["access_token"]))
    me = r.json()
    assert (me["name_masked"], me["real_name_verified"], me["real_name_method"]) == (
        "王*明", True, "counter"
    )
    assert "王小明" not in r.text


async def test_me_is_for_citizens_only(client):
    problem(await client.get("/api/v1/me"), 401, "unauthorized")
    staff = await login_staff(client, "operator")
    problem(await client.get("/api/v1/me", headers=bearer(staff)), 401, "unauthorized")
    r = await client.patch("/api/v1/me", json={"notify": {"sms": False}}, headers=bearer(staff))
    problem(r, 401, "unauthorized")


async def test_patch_me_switches_channels_one_at_a_time(client, citizen_token):
    r = await client.patch(
        "/api/v1/me", json={"notify": {"sms": False}}, headers=bearer(citizen_token)
    )
    assert r.status_code == 200, r.text
    assert r.json()["notify"] == {"sms": False, "wechat": True}
    r = await client.patch(
        "/api/v1/me", json={"notify": {"wechat": False}}, headers=bearer(citizen_token)
    )
    assert r.json()["notify"] == {"sms": False, "wechat": False}
    r = await client.patch("/api/v1/me", json={}, headers=bearer(citizen_token))
    assert r.json()["notify"] == {"sms": False, "wechat": False}  # nothing given, nothing changed
    citizen = await Citizen.get(id=r.json()["id"])
    assert (citizen.notify_sms, citizen.notify_wechat) == (False, False)
    r = await client.patch(
        "/api/v1/me", json={"notify": {"sms": True, "wechat": True}}, headers=bearer(citizen_token)
    )
    assert r.json()["notify"] == {"sms": True, "wechat": True}


async def test_patch_me_refuses_unknown_fields_and_wrong_types(client, citizen_token):
    h = bearer(citizen_token)
    body = problem(await client.patch("/api/v1/me", json={"nickname": "x"}, headers=h),
                   422, "validation_error")
    assert "nickname" in body["detail"]
    body = problem(
        await client.patch("/api/v1/me", json={"notify": {"email": False}}, headers=h),
        422, "validation_error",
    )
    assert "notify.email" in body["detail"]
    problem(await client.patch("/api/v1/me", json={"notify": {"sms": "no"}}, headers=h),
            422, "validation_error")
    problem(await client.patch("/api/v1/me", json={"notify": {"sms": 0}}, headers=h),
            422, "validation_error")
    r = await client.patch("/api/v1/me", content=b"{", headers=h | {
        "content-type": "application/json"})
    problem(r, 400, "malformed_json")
    me = (await client.get("/api/v1/me", headers=h)).json()
    assert me["notify"] == {"sms": True, "wechat": True}


async def test_phone_change_moves_the_account_and_tells_the_old_number(client, settings):
    login = await login_citizen(client, PHONE)
    token, citizen_id = login["access_token"], login["citizen"]["id"]
    no = await new_case(client, token)  # its contact is the account's phone
    await reset_rate_limits(settings)
    code = await code_for(client, NEW_PHONE)
    r = await client.post(
        "/api/v1/me/phone", json={"phone": "+86 139-0013-9000", "code": code},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    assert r.json()["id"] == citizen_id and r.json()["phone_masked"] == "139****9000"
    citizen = await Citizen.get(id=citizen_id)
    assert decrypt(citizen.phone_enc) == NEW_PHONE and citizen.phone_hash == lookup_hash(NEW_PHONE)
    notice = await last_sms_text(PHONE)
    assert notice["template"] == "phone_changed" and notice["new_phone"] == "139****9000"
    row = await OutboxMessage.filter(template="phone_changed").get()
    assert row.urgent is True and row.recipient_kind == "phone"
    # the case's contact and the messages about it follow to the new number
    case = await Case.get(tracking_no=no)
    assert decrypt(case.contact_phone_enc) == NEW_PHONE
    assert case.contact_phone_hash == lookup_hash(NEW_PHONE)
    received = await OutboxMessage.get(template="case_received", case_id=case.id)
    assert decrypt(received.address_enc) == NEW_PHONE
    # the new number signs in to the same account; the old one would open a new account
    await reset_rate_limits(settings)
    again = await login_citizen(client, NEW_PHONE)
    assert again["citizen"]["id"] == citizen_id
    await reset_rate_limits(settings)
    other = await login_citizen(client, PHONE)
    assert other["citizen"]["id"] != citizen_id


async def test_phone_change_to_a_number_with_an_account_is_409(client, settings):
    await login_citizen(client, NEW_PHONE)  # somebody else's account
    await reset_rate_limits(settings)
    token = (await login_citizen(client, PHONE))["access_token"]
    await reset_rate_limits(settings)
    code = await code_for(client, NEW_PHONE)
    r = await client.post("/api/v1/me/phone", json={"phone": NEW_PHONE, "code": code},
                          headers=bearer(token))
    body = problem(r, 409, "phone_in_use")
    assert "138" not in body["detail"] and "139" not in body["detail"]
    assert await OutboxMessage.filter(template="phone_changed").count() == 0
    me = (await client.get("/api/v1/me", headers=bearer(token))).json()
    assert me["phone_masked"] == "138****8000"


async def test_phone_change_with_a_bad_phone_or_code(client, settings, citizen_token):
    h = bearer(citizen_token)
    r = await client.post("/api/v1/me/phone", json={"phone": "12345", "code": "123456"},
                          headers=h)
    problem(r, 422, "invalid_phone")
    r = await client.post("/api/v1/me/phone", json={"phone": NEW_PHONE, "code": "12ab56"},
                          headers=h)
    problem(r, 422, "validation_error")
    r = await client.post("/api/v1/me/phone", json={"phone": NEW_PHONE}, headers=h)
    problem(r, 422, "validation_error")
    r = await client.post(
        "/api/v1/me/phone", json={"phone": NEW_PHONE, "code": "123456", "force": True}, headers=h
    )
    assert "force" in problem(r, 422, "validation_error")["detail"]
    # no code was ever sent to the new number
    r = await client.post("/api/v1/me/phone", json={"phone": NEW_PHONE, "code": "123456"},
                          headers=h)
    problem(r, 401, "invalid_code")
    await reset_rate_limits(settings)
    code = await code_for(client, NEW_PHONE)
    wrong = "000000" if code != "000000" else "111111"
    r = await client.post("/api/v1/me/phone", json={"phone": NEW_PHONE, "code": wrong},
                          headers=h)
    sms_login = await client.post("/api/v1/auth/sms-login",
                                  json={"phone": NEW_PHONE, "code": wrong})
    assert problem(r, 401, "invalid_code")["detail"] == sms_login.json()["detail"]
    await SmsCode.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    r = await client.post("/api/v1/me/phone", json={"phone": NEW_PHONE, "code": code},
                          headers=h)
    problem(r, 401, "invalid_code")  # expired
    me = (await client.get("/api/v1/me", headers=h)).json()
    assert me["phone_masked"] == "138****8000"


async def test_phone_change_is_for_citizens_only(client):
    staff = await login_staff(client, "operator")
    r = await client.post("/api/v1/me/phone", json={"phone": NEW_PHONE, "code": "123456"},
                          headers=bearer(staff))
    problem(r, 401, "unauthorized")


async def test_logout_revokes_that_refresh_token_only(client, settings):
    first = await login_citizen(client, PHONE)
    await reset_rate_limits(settings)
    second = await login_citizen(client, PHONE)
    r = await client.post("/api/v1/auth/logout", json={"refresh_token": first["refresh_token"]},
                          headers=bearer(first["access_token"]))
    assert r.status_code == 204 and r.content == b""
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    problem(r, 401, "invalid_token")
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert r.status_code == 200, r.text
    # logging out again with the same token is fine
    r = await client.post("/api/v1/auth/logout", json={"refresh_token": first["refresh_token"]},
                          headers=bearer(first["access_token"]))
    assert r.status_code == 204


async def test_logout_leaves_another_callers_token_alone(client, settings):
    mine = await login_citizen(client, PHONE)
    await reset_rate_limits(settings)
    theirs = await login_citizen(client, NEW_PHONE)
    r = await client.post("/api/v1/auth/logout", json={"refresh_token": theirs["refresh_token"]},
                          headers=bearer(mine["access_token"]))
    assert r.status_code == 204  # the same answer as for one's own: nothing said about whose
    forged = await client.post("/api/v1/auth/logout", json={"refresh_token": "not-a-token"},
                               headers=bearer(mine["access_token"]))
    assert forged.status_code == 204
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": theirs["refresh_token"]})
    assert r.status_code == 200, r.text
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": mine["refresh_token"]})
    assert r.status_code == 200, r.text


async def test_logout_everywhere_revokes_every_session_of_the_caller(client, settings):
    sessions = []
    for _ in range(3):
        await reset_rate_limits(settings)
        sessions.append(await login_citizen(client, PHONE))
    await reset_rate_limits(settings)
    bystander = await login_citizen(client, NEW_PHONE)
    r = await client.post("/api/v1/auth/logout", json={"all": True},
                          headers=bearer(sessions[0]["access_token"]))
    assert r.status_code == 204
    for s in sessions:
        r = await client.post("/api/v1/auth/refresh", json={"refresh_token": s["refresh_token"]})
        problem(r, 401, "invalid_token")
    subject = f"citizen:{sessions[0]['citizen']['id']}"
    assert await RefreshToken.filter(subject=subject, used=False).count() == 0
    r = await client.post("/api/v1/auth/refresh",
                          json={"refresh_token": bystander["refresh_token"]})
    assert r.status_code == 200


async def test_staff_log_out_too(client):
    from launch.seed import DEMO_PASSWORD

    r = await client.post("/api/v1/auth/staff-login",
                          json={"username": "dispatcher", "password": DEMO_PASSWORD})
    pair = r.json()
    r = await client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]},
                          headers=bearer(pair["access_token"]))
    assert r.status_code == 204
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    problem(r, 401, "invalid_token")


async def test_logout_bad_input(client, citizen_token):
    h = bearer(citizen_token)
    problem(await client.post("/api/v1/auth/logout", json={"all": True}), 401, "unauthorized")
    problem(await client.post("/api/v1/auth/logout", json={}, headers=h), 422, "validation_error")
    r = await client.post("/api/v1/auth/logout", json={"all": True, "refresh_token": "x"},
                          headers=h)
    problem(r, 422, "validation_error")
    problem(await client.post("/api/v1/auth/logout", json={"all": "yes"}, headers=h),
            422, "validation_error")
    r = await client.post("/api/v1/auth/logout", json={"all": True, "everywhere": 1}, headers=h)
    assert "everywhere" in problem(r, 422, "validation_error")["detail"]
    r = await client.post("/api/v1/auth/logout", json={"all": True},
                          headers={"X-Device-Key": "kiosk_nope"})
    problem(r, 401, "unauthorized")


async def test_logout_everywhere_also_ends_the_access_tokens(client, settings):
    first = await login_citizen(client, PHONE)
    await reset_rate_limits(settings)
    second = await login_citizen(client, PHONE)
    # signing out of one session leaves its access token until it expires (at most an hour)
    r = await client.post("/api/v1/auth/logout", json={"refresh_token": first["refresh_token"]},
                          headers=bearer(first["access_token"]))
    assert r.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(first["access_token"]))).status_code \
        == 200
    r = await client.post("/api/v1/auth/logout", json={"all": True},
                          headers=bearer(second["access_token"]))
    assert r.status_code == 204
    for s in (first, second):
        problem(await client.get("/api/v1/me", headers=bearer(s["access_token"])),
                401, "invalid_token")
        problem(await client.get("/api/v1/cases/mine", headers=bearer(s["access_token"])),
                401, "invalid_token")
    # signing in again right away works
    await reset_rate_limits(settings)
    third = await login_citizen(client, PHONE)
    assert (await client.get("/api/v1/me", headers=bearer(third["access_token"]))).status_code \
        == 200
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": third["refresh_token"]})
    assert r.status_code == 200


async def test_staff_logout_everywhere_ends_their_access_tokens(client):
    token = await login_staff(client, "dispatcher")
    other = await login_staff(client, "handler")
    assert (await client.get("/api/v1/staff/units", headers=bearer(token))).status_code == 200
    try:
        r = await client.post("/api/v1/auth/logout", json={"all": True}, headers=bearer(token))
        assert r.status_code == 204
        r = await client.get("/api/v1/staff/units", headers=bearer(token))
        problem(r, 401, "invalid_token")
        assert (await client.get("/api/v1/staff/units", headers=bearer(other))).status_code == 200
        again = await login_staff(client, "dispatcher")
        r = await client.get("/api/v1/staff/units", headers=bearer(again))
        assert r.status_code == 200
    finally:  # staff rows outlive a test
        await Staff.filter(username="dispatcher").update(sessions_revoked_at=None)
