"""Real-name verification at a counter, at a kiosk and online: one binding, sealed at rest,
an ID number bound to one account only, every verification recorded, answers masked."""

from __future__ import annotations

import asyncio

import pytest

from hotline import settings as settings_mod
from hotline.crypto import decrypt, lookup_hash
from hotline.settings import Settings
from identity.staff import create_device
from models.citizen import Citizen, RealNameVerification
from models.org import Staff, Unit
from tests.conftest import bearer, last_sms_text, login_citizen, login_staff
from tests.fakes.identity_provider import FakeIdentityProvider
from tests.identity.ids import id_number
from tests.wechat.support import mini_login, wx_fixture  # noqa: F401

COUNTER = "/api/v1/staff/citizens/real-name"
KIOSK = "/api/v1/kiosk/real-name"
ONLINE = "/api/v1/me/real-name"
ID1 = id_number("330106", "19850612", "031")
ID2 = id_number("330102", "19921120", "044")


async def at_counter(client, token, phone="13600000001", name="王小明", number=ID1):
    return await client.post(
        COUNTER, json={"phone": phone, "name": name, "id_number": number}, headers=bearer(token)
    )


async def citizen_of(phone: str) -> Citizen:
    return await Citizen.get(phone_hash=lookup_hash(phone))


async def test_an_operator_binds_a_verified_identity_sealed_and_answered_masked(client):
    operator = await login_staff(client, "operator")
    r = await at_counter(client, operator, number=ID1.lower() if ID1.endswith("X") else ID1)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["real_name_verified"] is True and body["real_name_method"] == "counter"
    assert body["name_masked"] == "王*明"
    assert body["id_number_masked"] == ID1[:6] + "********" + ID1[-4:]
    assert ID1 not in r.text and "王小明" not in r.text
    citizen = await citizen_of("13600000001")  # created by the counter: no account before
    assert body["citizen_id"] == citizen.id
    assert decrypt(citizen.id_number_enc) == ID1 and ID1 not in (citizen.id_number_enc or "")
    assert citizen.id_number_hash and citizen.id_number_hash != ID1
    assert decrypt(citizen.name_enc) == "王小明" and citizen.real_name_verified_at is not None
    [record] = await RealNameVerification.filter(citizen_id=citizen.id)
    staff = await Staff.get(username="operator")
    assert (record.method, record.staff_id, record.device_id) == ("counter", staff.id, None)
    # the citizen who signs in later with that phone is real-name
    login = await login_citizen(client, "13600000001")
    assert login["citizen"] == {
        "id": citizen.id, "phone_masked": "136****0001", "real_name_verified": True
    }


async def test_reward_administrators_may_record_at_a_counter_and_other_roles_may_not(client):
    assert (await at_counter(client, await login_staff(client, "reward_admin"))).status_code == 200
    for role in ("dispatcher", "handler", "supervisor", "admin"):
        r = await at_counter(client, await login_staff(client, role), phone="13600000009")
        assert r.status_code == 403 and r.json()["code"] == "forbidden", role
    citizen = (await login_citizen(client, "13600000002"))["access_token"]
    r = await at_counter(client, citizen, phone="13600000002")
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem")
    assert (await client.post(COUNTER, json={})).status_code == 401
    assert not await Citizen.filter(phone_hash=lookup_hash("13600000009")).exists()


async def test_bad_input_gets_a_clear_problem(client):
    operator = await login_staff(client, "operator")
    r = await at_counter(client, operator, number=ID1[:17] + ("0" if ID1[-1] != "0" else "1"))
    assert r.status_code == 422 and r.json()["code"] == "invalid_id_number"
    assert "校验码" in r.json()["detail"]
    r = await at_counter(client, operator, number=id_number(born="19900230"))
    assert r.status_code == 422 and r.json()["code"] == "invalid_id_number"
    r = await at_counter(client, operator, phone="12345")
    assert r.status_code == 422 and r.json()["code"] == "invalid_phone"
    r = await at_counter(client, operator, name="王小明2")
    assert r.status_code == 422 and r.json()["code"] == "invalid_name"
    assert await Citizen.all().count() == 0 and await RealNameVerification.all().count() == 0


async def test_an_id_number_is_bound_to_one_account_only(client):
    operator = await login_staff(client, "operator")
    assert (await at_counter(client, operator)).status_code == 200
    r = await at_counter(client, operator, phone="13600000003", name="李四")
    assert r.status_code == 409 and r.json()["code"] == "id_number_in_use"
    assert not await Citizen.filter(phone_hash=lookup_hash("13600000003")).exists()
    # the same person again is fine (a second record); another number on that account is not
    assert (await at_counter(client, operator)).status_code == 200
    r = await at_counter(client, operator, number=ID2)
    assert r.status_code == 409 and r.json()["code"] == "real_name_bound"
    assert await RealNameVerification.all().count() == 2


async def test_two_counters_binding_one_number_at_once_bind_it_once(client):
    operator = await login_staff(client, "operator")
    replies = await asyncio.gather(
        *(at_counter(client, operator, phone=f"1360000010{i}") for i in range(4))
    )
    assert sorted(r.status_code for r in replies) == [200, 409, 409, 409], [r.text for r in replies]
    assert {r.json()["code"] for r in replies if r.status_code == 409} == {"id_number_in_use"}
    assert await Citizen.filter(id_number_hash__not_isnull=True).count() == 1


async def test_the_unique_index_has_the_last_word_when_the_check_misses_a_race(
    client, monkeypatch
):
    from identity import real_name

    operator = await login_staff(client, "operator")
    assert (await at_counter(client, operator)).status_code == 200
    # as if another counter committed the number between this one's check and its write
    monkeypatch.setattr(real_name, "taken", _never_taken)
    r = await at_counter(client, operator, phone="13600000013", name="李四")
    assert r.status_code == 409 and r.json()["code"] == "id_number_in_use"
    assert not await Citizen.filter(phone_hash=lookup_hash("13600000013")).exists()
    assert await RealNameVerification.all().count() == 1


async def _never_taken(*_: object) -> bool:
    return False


# -- the kiosk ----------------------------------------------------------------------------
@pytest.fixture
async def kiosk_key():
    device, key = await create_device("西湖区行政服务中心 1 号机", await Unit.get(code="HZ-XH"))
    return device.id, key


async def sms_code(client, phone: str) -> str:
    r = await client.post("/api/v1/auth/sms-code", json={"phone": phone})
    assert r.status_code == 202, r.text
    return (await last_sms_text(phone))["code"]


async def test_a_kiosk_binds_the_card_it_read_to_the_phone_proven_by_a_code(client, kiosk_key):
    device_id, key = kiosk_key
    code = await sms_code(client, "13600000004")
    body = {"phone": "13600000004", "sms_code": code, "name": "张三", "id_number": ID2}
    r = await client.post(KIOSK, json=body)
    assert r.status_code == 401 and r.json()["code"] == "device_key_required"
    r = await client.post(KIOSK, json=body, headers={"X-Device-Key": "kiosk_wrong"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_device_key"
    # a misread card is refused without spending the code
    r = await client.post(KIOSK, json=body | {"id_number": ID2[:-1] + "Y"},
                          headers={"X-Device-Key": key})
    assert r.status_code == 422 and r.json()["code"] == "invalid_id_number"
    wrong = "000000" if code != "000000" else "111111"
    r = await client.post(KIOSK, json=body | {"sms_code": wrong}, headers={"X-Device-Key": key})
    assert r.status_code == 401 and r.json()["code"] == "invalid_code"
    r = await client.post(KIOSK, json=body, headers={"X-Device-Key": key})
    assert r.status_code == 200, r.text
    assert r.json()["real_name_method"] == "kiosk" and r.json()["name_masked"] == "张*"
    assert ID2 not in r.text
    citizen = await citizen_of("13600000004")
    [record] = await RealNameVerification.filter(citizen_id=citizen.id)
    assert (record.method, record.device_id, record.staff_id) == ("kiosk", device_id, None)
    # the code is spent
    r = await client.post(KIOSK, json=body, headers={"X-Device-Key": key})
    assert r.status_code == 401 and r.json()["code"] == "invalid_code"


# -- online ---------------------------------------------------------------------------------
@pytest.fixture
async def provider(monkeypatch):
    fake = FakeIdentityProvider(app_id="idv-app", secret="idv-secret")
    fake.start()
    configured = settings_mod.current().model_copy(
        update={
            "idv_provider": "http",
            "idv_endpoint": fake.url,
            "idv_app_id": "idv-app",
            "idv_app_secret": "idv-secret",
            "idv_timeout_s": 0.5,
        }
    )
    monkeypatch.setattr(settings_mod, "_current", configured)
    yield fake
    fake.stop()


async def test_online_verification_is_off_by_default_and_says_so(client):
    assert settings_mod.current().idv_provider == ""
    token = (await login_citizen(client, "13600000005"))["access_token"]
    r = await client.post(ONLINE, json={"name": "王小明", "id_number": ID1}, headers=bearer(token))
    assert r.status_code == 404 and r.json()["code"] == "idv_disabled"
    assert "服务大厅" in r.json()["detail"]
    staff = await login_staff(client, "operator")
    r = await client.post(ONLINE, json={"name": "王小明", "id_number": ID1}, headers=bearer(staff))
    assert r.status_code == 401


async def test_a_provider_match_binds_the_identity_with_its_reference(client, provider):
    provider.register(ID1, "王小明", "13600000006")
    login = await login_citizen(client, "13600000006")
    token = login["access_token"]
    r = await client.post(ONLINE, json={"name": "王小明", "id_number": ID1},
                          headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.json()["real_name_method"] == "online" and ID1 not in r.text
    [call] = provider.calls
    assert call.signature_ok
    assert call.body == {"name": "王小明", "id_number": ID1, "mobile": "13600000006"}
    [record] = await RealNameVerification.filter(citizen_id=login["citizen"]["id"])
    assert record.method == "online" and record.provider_ref and len(record.provider_ref) == 32
    citizen = await Citizen.get(id=login["citizen"]["id"])
    assert citizen.real_name_verified and decrypt(citizen.id_number_enc) == ID1
    # asking again with the same identity costs no second (paid) provider check
    r = await client.post(ONLINE, json={"name": "王小明", "id_number": ID1},
                          headers=bearer(token))
    assert r.status_code == 200 and len(provider.calls) == 1


def test_a_half_configured_provider_refuses_to_start():
    with pytest.raises(ValueError, match="HOTLINE_IDV_ENDPOINT"):
        Settings(env="test", secret_key="k" * 32, data_key="d" * 32, idv_provider="http",
                 idv_app_id="a", idv_app_secret="s")


async def test_no_match_and_provider_failures_bind_nothing(client, provider):
    provider.register(ID1, "王小明")
    token = (await login_citizen(client, "13600000007"))["access_token"]

    async def attempt(name: str = "王小明", number: str = ID1):
        return await client.post(ONLINE, json={"name": name, "id_number": number},
                                 headers=bearer(token))

    r = await attempt(name="王大明")
    assert r.status_code == 422 and r.json()["code"] == "identity_mismatch"
    r = await attempt(number=ID2)  # unknown to the registry
    assert r.status_code == 422 and r.json()["code"] == "identity_mismatch"
    provider.fail_next = 1
    assert (await attempt()).json()["code"] == "idv_unavailable"
    provider.forged_match_next = 1  # a "match" the provider did not sign is not believed
    r = await attempt()
    assert r.status_code == 503 and r.json()["code"] == "idv_unavailable"
    assert not await Citizen.filter(real_name_verified=True).exists()
    assert await RealNameVerification.all().count() == 0


async def test_a_provider_that_hangs_is_given_up_on(client, provider):
    provider.register(ID1, "王小明")
    provider.hang_s = 2.0
    token = (await login_citizen(client, "13600000008"))["access_token"]
    loop = asyncio.get_running_loop()
    started = loop.time()
    r = await client.post(ONLINE, json={"name": "王小明", "id_number": ID1},
                          headers=bearer(token))
    assert r.status_code == 503 and r.json()["code"] == "idv_unavailable"
    assert loop.time() - started < 1.5


async def test_a_number_bound_elsewhere_is_refused_before_asking_the_provider(client, provider):
    provider.register(ID1, "王小明")
    assert (await at_counter(client, await login_staff(client, "operator"))).status_code == 200
    token = (await login_citizen(client, "13600000011"))["access_token"]
    r = await client.post(ONLINE, json={"name": "王小明", "id_number": ID1},
                          headers=bearer(token))
    assert r.status_code == 409 and r.json()["code"] == "id_number_in_use"
    assert provider.calls == []


async def test_a_wechat_identity_verified_online_moves_whole_when_merged(client, provider, wx):
    # the mini-program user, without a phone, verifies online (two factors: no mobile sent)
    provider.register(ID2, "赵六")
    me = await mini_login(client, wx, "o-mini-rn", unionid="u-rn")
    r = await client.post(ONLINE, json={"name": "赵六", "id_number": ID2},
                          headers=bearer(me["access_token"]))
    assert r.status_code == 200, r.text
    assert "mobile" not in provider.calls[-1].body
    # then binds the phone of an existing app account: the survivor takes the identity
    app_user = await login_citizen(client, "13600000012")
    wx.add_phone("pc-rn", "13600000012")
    r = await client.post("/api/v1/wechat/phone", json={"code": "pc-rn"},
                          headers=bearer(me["access_token"]))
    assert r.status_code == 200 and r.json()["merged"] is True, r.text
    survivor = await Citizen.get(id=app_user["citizen"]["id"])
    assert survivor.real_name_verified and survivor.real_name_method == "online"
    assert decrypt(survivor.id_number_enc) == ID2 and decrypt(survivor.name_enc) == "赵六"
    old = await Citizen.get(id=me["citizen"]["id"])
    assert old.id_number_hash is None and old.id_number_enc is None and old.name_enc is None
