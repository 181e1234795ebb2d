"""Mini-program: wx.login sign-in, phone binding with merging, subscribe consents, and content
security on mini-program submissions."""

from __future__ import annotations

import httpx

from hotline.crypto import decrypt, lookup_hash
from identity import tokens
from models.case import Case
from models.citizen import Citizen
from models.outbox import OutboxMessage
from models.wechat import SubscriptionConsent
from tests.conftest import COMPLAINT, bearer, login_citizen, login_staff
from tests.fakes.wechat_api import FakeWeChat
from tests.wechat.support import mini_login, wx_fixture  # noqa: F401

SESSION_KEY = "c2Vzc2lvbi1rZXktMTIzNA=="


async def test_login_creates_then_finds_the_citizen(client: httpx.AsyncClient,
                                                    wx: FakeWeChat) -> None:
    first = await mini_login(client, wx, "o-mini-1")
    assert set(first) >= {"access_token", "refresh_token", "token_type", "expires_in", "citizen"}
    assert first["citizen"]["phone_masked"] is None
    claims = tokens.decode_access(first["access_token"])
    assert claims["ch"] == "wechat_mini"
    row = await Citizen.get(openid_mini="o-mini-1")
    assert row.session_key_enc and SESSION_KEY not in row.session_key_enc
    assert decrypt(row.session_key_enc) == SESSION_KEY
    call = wx.calls_to("sns/jscode2session")[0]
    assert "access_token" not in call.query and call.query["grant_type"] == "authorization_code"
    again = await mini_login(client, wx, "o-mini-1")
    assert again["citizen"]["id"] == first["citizen"]["id"]
    assert await Citizen.filter(openid_mini="o-mini-1").count() == 1
    # a case filed with this token is a mini-program case
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(first["access_token"]))
    assert r.status_code == 201, r.text
    assert r.json()["channel"] == "wechat_mini"
    # with no phone bound, the acknowledgement still goes out (the worker picks WeChat)
    note = await OutboxMessage.get(template="case_received")
    assert note.recipient_kind == "citizen" and note.recipient_id == str(row.id)
    assert note.address_enc is None


async def test_unionid_finds_the_official_account_citizen(client: httpx.AsyncClient,
                                                          wx: FakeWeChat) -> None:
    oa = await Citizen.create(openid_oa="o-oa-7", unionid="u-7")
    reply = await mini_login(client, wx, "o-mini-7", unionid="u-7")
    assert reply["citizen"]["id"] == oa.id
    row = await Citizen.get(id=oa.id)
    assert row.openid_mini == "o-mini-7" and row.openid_oa == "o-oa-7"


async def test_unionid_links_and_merges_rows(client: httpx.AsyncClient, wx: FakeWeChat) -> None:
    mini = await Citizen.create(openid_mini="o-mini-8")  # signed in before unionid was known
    oa = await Citizen.create(openid_oa="o-oa-8", unionid="u-8")
    reply = await mini_login(client, wx, "o-mini-8", unionid="u-8")
    assert reply["citizen"]["id"] == oa.id
    assert (await Citizen.get(id=mini.id)).merged_into_id == oa.id
    assert (await Citizen.get(id=oa.id)).openid_mini == "o-mini-8"


async def test_login_failures(client: httpx.AsyncClient, wx: FakeWeChat) -> None:
    r = await client.post("/api/v1/auth/wechat-login", json={"code": "never-issued"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_wechat_code"
    wx.add_login("used-once", "o-x")
    assert (await client.post("/api/v1/auth/wechat-login", json={"code": "used-once"})).is_success
    r = await client.post("/api/v1/auth/wechat-login", json={"code": "used-once"})
    assert r.status_code == 401
    wx.add_login("busy", "o-y")
    wx.fail("sns/jscode2session", errcode=-1)
    r = await client.post("/api/v1/auth/wechat-login", json={"code": "busy"})
    assert r.status_code == 503 and r.json()["code"] == "wechat_unavailable"
    wx.fail("sns/jscode2session", status=500)
    r = await client.post("/api/v1/auth/wechat-login", json={"code": "busy"})
    assert r.status_code == 503
    r = await client.post("/api/v1/auth/wechat-login", json={"code": "a b<"})
    assert r.status_code == 422
    assert await Citizen.filter(openid_mini="o-y").count() == 0


async def test_bind_new_phone(client: httpx.AsyncClient, wx: FakeWeChat) -> None:
    me = await mini_login(client, wx, "o-mini-2")
    wx.add_phone("pc-1", "13912345678")
    r = await client.post("/api/v1/wechat/phone", json={"code": "pc-1"},
                          headers=bearer(me["access_token"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["merged"] is False and body["citizen"]["id"] == me["citizen"]["id"]
    assert body["citizen"]["phone_masked"] == "139****5678"
    row = await Citizen.get(id=me["citizen"]["id"])
    assert row.phone_hash == lookup_hash("13912345678") and "13912345678" not in row.phone_enc
    wx.add_phone("pc-2", "13700000000")
    r = await client.post("/api/v1/wechat/phone", json={"code": "pc-2"},
                          headers=bearer(me["access_token"]))
    assert r.status_code == 409 and r.json()["code"] == "phone_already_bound"
    r = await client.post("/api/v1/wechat/phone", json={"code": "bad"},
                          headers=bearer(me["access_token"]))
    assert r.status_code == 401


async def test_bind_phone_merges_with_existing_citizen(client: httpx.AsyncClient,
                                                       wx: FakeWeChat) -> None:
    phone = "13800138000"
    app_user = await login_citizen(client, phone)
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(app_user["access_token"]))
    app_case = r.json()["tracking_no"]
    me = await mini_login(client, wx, "o-mini-3", unionid="u-3")
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(me["access_token"]))
    mini_case = r.json()["tracking_no"]
    await client.post("/api/v1/wechat/subscriptions", json={"results": {"TPL1": "accept"}},
                      headers=bearer(me["access_token"]))
    await SubscriptionConsent.create(citizen_id=app_user["citizen"]["id"], template_id="TPL1",
                                     remaining=2)
    wx.add_phone("pc-3", phone)
    r = await client.post("/api/v1/wechat/phone", json={"code": "pc-3"},
                          headers=bearer(me["access_token"]))
    assert r.status_code == 200, r.text
    merged = r.json()
    survivor = app_user["citizen"]["id"]
    assert merged["merged"] is True and merged["citizen"]["id"] == survivor
    assert merged["citizen"]["phone_masked"] == "138****8000"
    mine = await client.get("/api/v1/cases/mine", headers=bearer(merged["access_token"]))
    assert {c["tracking_no"] for c in mine.json()["items"]} == {app_case, mini_case}
    old = await Citizen.get(id=me["citizen"]["id"])
    assert old.merged_into_id == survivor and old.openid_mini is None
    new = await Citizen.get(id=survivor)
    assert new.openid_mini == "o-mini-3" and new.unionid == "u-3" and new.session_key_enc
    consent = await SubscriptionConsent.get(citizen_id=survivor, template_id="TPL1")
    assert consent.remaining == 3
    assert not await SubscriptionConsent.filter(citizen_id=old.id).exists()
    assert await Case.filter(citizen_id=old.id).count() == 0
    # the old row's refresh token is spent; signing in again lands on the survivor
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": me["refresh_token"]})
    assert r.status_code == 401
    again = await mini_login(client, wx, "o-mini-3", unionid="u-3")
    assert again["citizen"]["id"] == survivor


async def test_subscriptions(client: httpx.AsyncClient, wx: FakeWeChat) -> None:
    me = await mini_login(client, wx, "o-mini-4")
    auth = bearer(me["access_token"])
    for _ in range(2):
        r = await client.post("/api/v1/wechat/subscriptions", headers=auth,
                              json={"results": {"TPL-A": "accept", "TPL-B": "reject"}})
        assert r.status_code == 200, r.text
    items = {i["template_id"]: i for i in r.json()["items"]}
    assert items["TPL-A"]["remaining"] == 2 and items["TPL-B"]["remaining"] == 0
    r = await client.post("/api/v1/wechat/subscriptions", headers=auth,
                          json={"results": {"TPL-A": "ban"}})
    assert r.json()["items"][0]["remaining"] == 0
    for bad in ({"results": {"TPL-A": "maybe"}}, {"results": {}}, {"results": {"a b": "accept"}}):
        r = await client.post("/api/v1/wechat/subscriptions", headers=auth, json=bad)
        assert r.status_code == 422, bad
    assert (await client.post("/api/v1/wechat/subscriptions",
                              json={"results": {"T": "accept"}})).status_code == 401
    from wechat.mini import spend_consent

    await client.post("/api/v1/wechat/subscriptions", headers=auth,
                      json={"results": {"TPL-A": "accept"}})
    assert await spend_consent(me["citizen"]["id"], "TPL-A") is True
    assert await spend_consent(me["citizen"]["id"], "TPL-A") is False


async def _mini_case(client: httpx.AsyncClient, wx: FakeWeChat, content: str) -> httpx.Response:
    me = await mini_login(client, wx, "o-mini-5")
    body = COMPLAINT | {"content": content}
    return await client.post("/api/v1/cases", json=body, headers=bearer(me["access_token"]))


async def test_mini_submission_passes_content_check(client: httpx.AsyncClient,
                                                    wx: FakeWeChat) -> None:
    r = await _mini_case(client, wx, "小区旁边工地夜间施工噪音很大，影响休息。")
    assert r.status_code == 201, r.text
    case = await Case.get(tracking_no=r.json()["tracking_no"])
    assert case.flags == []
    check = wx.calls_to("wxa/msg_sec_check")[0].body
    assert check["version"] == 2 and check["openid"] == "o-mini-5"
    assert "工地夜间施工" in check["content"] and check["scene"] in (1, 2, 3, 4)


async def test_mini_submission_risky_is_refused(client: httpx.AsyncClient,
                                                wx: FakeWeChat) -> None:
    r = await _mini_case(client, wx, "这里有违禁词，请处理一下这个问题。")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "content_rejected" and "未能受理" in r.json()["detail"]
    assert await Case.all().count() == 0


async def test_mini_submission_review_is_flagged(client: httpx.AsyncClient,
                                                 wx: FakeWeChat) -> None:
    r = await _mini_case(client, wx, "这里有待审词，请处理一下这个问题。")
    assert r.status_code == 201
    assert (await Case.get(tracking_no=r.json()["tracking_no"])).flags == ["content_review"]
    staff = await login_staff(client, "dispatcher")
    seen = await client.get(f"/api/v1/cases/{r.json()['tracking_no']}", headers=bearer(staff))
    assert seen.json()["flags"] == ["content_review"]  # staff see why it needs a look


async def test_mini_submission_accepted_when_wechat_is_down(client: httpx.AsyncClient,
                                                            wx: FakeWeChat) -> None:
    for fault in ({"status": 500}, {"errcode": -1}, {"hang": 10}):
        wx.fail("wxa/msg_sec_check", **fault)  # type: ignore[arg-type]
        r = await _mini_case(client, wx, "路灯坏了好几天了，晚上很黑，请尽快修理。")
        assert r.status_code == 201, (fault, r.text)
        case = await Case.get(tracking_no=r.json()["tracking_no"])
        assert case.flags == ["content_unchecked"], fault
