"""The citizen pages in-process: SMS sign-in to a server-side session, filing (once per
idempotency key), my cases and the timeline, rewards, the knowledge base, hints, tracking."""

from __future__ import annotations

import re

from models.case import Case
from tests.portal.helpers import ORIGIN, h5_login

FILING = {"kind": "complaint", "category_code": "ENV-NOISE",
          "content": "小区旁边工地夜间施工噪音很大，<i>影响休息</i>。",
          "lat": "30.2741", "lng": "120.1551", "address": "西湖区文三路"}


async def test_pages_need_sign_in_and_sign_in_needs_the_code(client) -> None:
    r = await client.get("/h5/cases")
    assert r.status_code == 303 and r.headers["location"] == "/h5/login?next=%2Fh5%2Fcases"
    r = await client.post("/h5/login", data={"phone": "13800138000", "code": "000000"},
                          headers=ORIGIN)
    assert r.status_code == 401 and "验证码无效" in r.text
    await h5_login(client)
    cookie = client.cookies.get("hotline_h5")
    assert cookie and (await client.get("/h5/cases")).status_code == 200


async def test_filing_once_per_key_then_my_cases_and_the_timeline(client) -> None:
    token = await h5_login(client)
    form = FILING | {"csrf_token": token, "key": "h" * 32}
    first = await client.post("/h5/file", data=form, headers=ORIGIN)
    assert first.status_code == 200, first.text
    no = re.search(r'id="filed-no">([^<]+)<', first.text).group(1)
    assert re.search(r'id="filed-code">\d{6}<', first.text)
    again = await client.post("/h5/file", data=form, headers=ORIGIN)
    assert no in again.text and await Case.all().count() == 1
    case = await Case.get(tracking_no=no)
    assert case.channel == "web" and case.lat == 30.2741 and case.address == "西湖区文三路"
    mine = await client.get("/h5/cases")
    assert no in mine.text
    detail = await client.get(f"/h5/cases/{no}")
    assert "办理经过" in detail.text and "&lt;i&gt;影响休息&lt;/i&gt;" in detail.text


async def test_a_write_without_the_form_token_is_refused(client) -> None:
    await h5_login(client)
    r = await client.post("/h5/file", data=FILING | {"csrf_token": "guess"}, headers=ORIGIN)
    assert r.status_code == 403
    token = await h5_login(client, "13800138001")
    r = await client.post("/h5/file", data=FILING | {"csrf_token": token},
                          headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and await Case.all().count() == 0


async def test_a_short_text_comes_back_with_what_to_fix(client) -> None:
    token = await h5_login(client)
    r = await client.post("/h5/file", data=FILING | {"content": "吵", "csrf_token": token},
                          headers=ORIGIN)
    assert r.status_code == 422 and "至少写 5 个字" in r.text


async def test_hints_show_knowledge_answers_for_a_consultation(client) -> None:
    await h5_login(client)
    r = await client.get("/h5/file/hints", params={"q": "居住证怎么办理", "kind": "consultation"})
    assert r.status_code == 200 and "这些答案也许能帮到您" in r.text


async def test_rewards_kb_and_tracking(client) -> None:
    token = await h5_login(client)
    assert "您还没有奖励申请" in (await client.get("/h5/rewards")).text
    assert "/h5/kb/" in (await client.get("/h5/kb", params={"q": "居住证"})).text
    filed = await client.post("/h5/file", data=FILING | {"csrf_token": token}, headers=ORIGIN)
    no = re.search(r'id="filed-no">([^<]+)<', filed.text).group(1)
    code = re.search(r'id="filed-code">([^<]+)<', filed.text).group(1)
    client.cookies.clear()  # the tracker needs no sign-in
    assert "查询码" in (await client.get(f"/h5/track/{no}")).text
    r = await client.post(f"/h5/track/{no}", data={"code": code})
    assert r.status_code == 200 and "办理经过" in r.text


async def test_logout_ends_the_session(client) -> None:
    token = await h5_login(client)
    cookie = client.cookies.get("hotline_h5")
    r = await client.post("/h5/logout", data={"csrf_token": token}, headers=ORIGIN)
    assert r.status_code == 303
    client.cookies.set("hotline_h5", cookie or "", path="/h5")
    assert (await client.get("/h5/")).status_code == 303


async def test_inside_wechat_the_oauth_tokens_become_a_session(client, settings) -> None:
    from identity import citizens

    wechat = {"User-Agent": "Mozilla/5.0 MicroMessenger/8.0.50"}
    settings.wechat_oa_appid = "wx-oa-test"
    try:
        page = await client.get("/h5/login", headers=wechat)
    finally:
        settings.wechat_oa_appid = ""
    assert "微信一键登录" in page.text and "/api/v1/wechat/oauth/authorize" in page.text
    assert "微信一键登录" not in (await client.get("/h5/login")).text  # not outside WeChat
    assert "正在登录" in (await client.get("/h5/wechat")).text
    r = await client.post("/h5/login/wechat", json={"access_token": "forged"}, headers=ORIGIN)
    assert r.status_code == 401
    reply = await citizens.login_reply(await citizens.citizen_by_phone("13800138002"),
                                       "wechat_oa")
    r = await client.post("/h5/login/wechat", json={"access_token": reply["access_token"]},
                          headers=ORIGIN)
    assert r.status_code == 200 and r.json() == {"next": "/h5/"}
    home = await client.get("/h5/", headers=wechat)
    assert home.status_code == 200
    token = re.search(r'data-csrf="([^"]+)"', home.text).group(1)
    filed = await client.post("/h5/file", data=FILING | {"csrf_token": token},
                              headers=ORIGIN | wechat)
    no = re.search(r'id="filed-no">([^<]+)<', filed.text).group(1)
    assert (await Case.get(tracking_no=no)).channel == "wechat_oa"
