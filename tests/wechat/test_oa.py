"""The official account's server URL: signatures, plain and 安全模式 messages, hostile XML,
retries, follower status and progress queries."""

from __future__ import annotations

import time

import httpx
import pytest

from models.case import Case
from models.citizen import Citizen
from models.wechat import ChatDraft, SeenMessage
from tests.conftest import COMPLAINT, bearer, login_citizen
from tests.fakes.wechat_api import FakeWeChat
from tests.wechat.support import (
    OA_PATH,
    OA_TOKEN,
    OAChannel,
    message_xml,
    next_msg_id,
    sign,
    wx_fixture,  # noqa: F401
)
from wechat import progress

BOMB = """<?xml version="1.0"?>
<!DOCTYPE xml [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<xml><ToUserName>gh_hotline12345</ToUserName><FromUserName>o-bomb</FromUserName>
<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&e;</Content><MsgId>1</MsgId></xml>"""
XXE = """<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh_hotline12345</ToUserName><FromUserName>o-xxe</FromUserName>
<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&x;</Content><MsgId>2</MsgId></xml>"""
HOSTILE = [
    BOMB,
    XXE,
    "<xml><ToUserName>gh</ToUserName><FromUserName>o",  # truncated
    "not xml at all",
    "",
    b"\xff\xfe<\x00x\x00m\x00l\x00>\x00",  # UTF-16
    "<other><MsgType>text</MsgType></other>",
    "<xml><FromUserName>o-1</FromUserName><MsgType>text</MsgType></xml>",  # no ToUserName
    message_xml("o-1", "text", Content="hi", msg_id=None).replace("<MsgId>", "<MsgId>x"),
    message_xml("o-1", "text", Content="hi").replace("o-1", "o 1<script>"),
    "<xml><MsgType><a>1</a></MsgType></xml>",
]


@pytest.fixture(params=[False, True], ids=["plain", "aes"])
def oa(request: pytest.FixtureRequest, client: httpx.AsyncClient, wx: FakeWeChat) -> OAChannel:
    return OAChannel(client, encrypted=request.param)


async def test_url_verification(client: httpx.AsyncClient, wx: FakeWeChat) -> None:
    ts, nonce = str(int(time.time())), "n0nce"
    good = {"signature": sign(OA_TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce,
            "echostr": "5837397520665436492"}
    r = await client.get(OA_PATH, params=good)
    assert r.status_code == 200 and r.text == "5837397520665436492"
    r = await client.get(OA_PATH, params=good | {"signature": "0" * 40})
    assert r.status_code == 403
    r = await client.get(OA_PATH, params={"echostr": "x"})
    assert r.status_code == 403


async def test_wrong_signatures_change_nothing(oa: OAChannel) -> None:
    xml = message_xml("o-sig", "event", Event="subscribe")
    r = await oa.post(xml, bad_signature=True)
    assert r.status_code == 403
    if oa.encrypted:
        r = await oa.post(xml, bad_msg_signature=True)
        assert r.status_code == 403
    r = await oa.post(message_xml("o-sig", "text", Content="随手拍 路灯坏了"), bad_signature=True)
    assert r.status_code == 403
    assert await Citizen.all().count() == 0
    assert await SeenMessage.all().count() == 0
    assert await ChatDraft.all().count() == 0


@pytest.mark.parametrize("body", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_or_malformed_xml_gets_success(oa: OAChannel, body: str | bytes) -> None:
    r = await oa.post(body)
    assert r.status_code == 200 and r.text == "success"
    assert await SeenMessage.all().count() == 0


async def test_garbage_ciphertext_gets_success(client: httpx.AsyncClient, wx: FakeWeChat) -> None:
    ts, nonce, enc = str(int(time.time())), "abc", "bm90LWEtcmVhbC1jaXBoZXJ0ZXh0"
    params = {"signature": sign(OA_TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce,
              "encrypt_type": "aes", "msg_signature": sign(OA_TOKEN, ts, nonce, enc)}
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt>{enc}</Encrypt></xml>"
    r = await client.post(OA_PATH, params=params, content=body)
    assert r.status_code == 200 and r.text == "success"


async def test_help_for_anything_else(oa: OAChannel) -> None:
    reply = await oa.say("o-help", "你好")
    assert "查询" in reply and "随手拍" in reply
    assert "随手拍" in await oa.send("o-help", "voice", MediaId="v1", Format="amr")
    assert await oa.send("o-help", "event", Event="CLICK", EventKey="MENU") == ""


async def test_follow_and_unfollow(oa: OAChannel) -> None:
    welcome = await oa.send("o-fan", "event", Event="subscribe", create_time=1_700_000_000)
    assert "感谢关注" in welcome
    row = await Citizen.get(openid_oa="o-fan")
    assert row.oa_follower and row.oa_followed_at is not None
    # WeChat retries the same event: handled once, same reply
    again = await oa.send("o-fan", "event", Event="subscribe", create_time=1_700_000_000)
    assert again == welcome
    assert await SeenMessage.all().count() == 1
    assert await oa.send("o-fan", "event", Event="unsubscribe", create_time=1_700_000_100) == ""
    assert not (await Citizen.get(openid_oa="o-fan")).oa_follower
    await oa.send("o-gone", "event", Event="unsubscribe")
    assert not await Citizen.filter(openid_oa="o-gone").exists()


async def _case_by_sms(client: httpx.AsyncClient) -> dict[str, str]:
    tokens = await login_citizen(client, "13800138000")
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(tokens["access_token"]))
    assert r.status_code == 201
    return r.json()


async def test_query_with_code(oa: OAChannel, client: httpx.AsyncClient) -> None:
    case = await _case_by_sms(client)
    no, code = case["tracking_no"], case["query_code"]
    reply = await oa.say("o-stranger", f"查询 {no} {code}")
    assert f"诉求编号：{no}" in reply and "办理状态：已受理" in reply
    assert "受理" in reply and "13800138000" not in reply
    miss = await oa.say("o-stranger", f"查询 {no} 000000" if code != "000000" else f"查询 {no} 1")
    assert "未找到" in miss or "查询" in miss
    assert "未找到" in await oa.say("o-stranger", f"查询 {no}")  # not the owner, no code
    assert "未找到" in await oa.say("o-stranger", "查询 20991231-000001 123456")
    assert "查询" in await oa.say("o-stranger", "查询 abc")


async def test_query_by_owner_openid(oa: OAChannel, client: httpx.AsyncClient) -> None:
    case = await _case_by_sms(client)
    owner = await Case.get(tracking_no=case["tracking_no"]).values_list("citizen_id", flat=True)
    await Citizen.filter(id=owner).update(openid_oa="o-owner")
    reply = await oa.say("o-owner", f"查询{case['tracking_no']}")
    assert "办理状态" in reply


async def test_query_misses_are_throttled(oa: OAChannel, client: httpx.AsyncClient) -> None:
    case = await _case_by_sms(client)
    wrong = "111111" if case["query_code"] != "111111" else "222222"
    replies = [await oa.say("o-guess", f"查询 {case['tracking_no']} {wrong}") for _ in range(12)]
    assert "未找到" in replies[0] and "频繁" in replies[-1]
    # the case is locked as on /track: the right code gets the same answer, from anyone
    locked = await oa.say("o-other", f"查询 {case['tracking_no']} {case['query_code']}")
    assert locked == replies[-1]
    r = await client.get(f"/api/v1/track/{case['tracking_no']}?code={case['query_code']}")
    assert r.status_code == 429
    # its owner, who needs no code, still sees it
    owner = await Case.get(tracking_no=case["tracking_no"]).values_list("citizen_id", flat=True)
    await Citizen.filter(id=owner).update(openid_oa="o-owner")
    assert "办理状态" in await oa.say("o-owner", f"查询{case['tracking_no']}")


async def test_retried_query_gets_the_same_reply(oa: OAChannel, client: httpx.AsyncClient) -> None:
    case = await _case_by_sms(client)
    msg_id = next_msg_id()
    text = f"查询 {case['tracking_no']} {case['query_code']}"
    first = await oa.say("o-r", text, msg_id=msg_id)
    second = await oa.say("o-r", text, msg_id=msg_id)
    assert first == second and "办理状态" in first
    assert await SeenMessage.all().count() == 0  # read-only: nothing recorded, nothing changed


def test_reply_text_is_cdata_safe() -> None:
    from wechat import oa_xml

    msg = oa_xml.incoming(oa_xml.parse_xml(message_xml("o-c", "text", Content="x")))
    reply = oa_xml.parse_xml(oa_xml.render(msg, "答复]]><evil/>完毕", None, "n"))
    assert reply["Content"] == "答复]]><evil/>完毕" and "evil" not in reply  # stayed text


def test_progress_text_shape() -> None:
    view = {
        "tracking_no": "20261127-000001", "status_label": "已答复",
        "created_at": "2026-11-27T10:05:00+08:00",
        "timeline": [
            {"at": "2026-11-27T10:05:00+08:00", "action": "submit", "note": "诉求已受理（电话）"},
            {"at": "2026-11-27T11:00:00+08:00", "action": "reply", "note": "已修复"},
        ],
        "reply": "已修复",
    }
    text = progress.format_progress(view)
    assert text.splitlines()[:3] == [
        "诉求编号：20261127-000001", "办理状态：已答复", "受理时间：2026-11-27 10:05"]
    assert "· 2026-11-27 11:00 答复" in text and text.endswith("答复内容：已修复")


def test_xmltodict_under_wechatpy_refuses_entities_too() -> None:
    """Defence in depth: even past our DTD check, wechatpy's own parser path refuses entities
    (xmltodict >= 0.13 defaults to ``disable_entities=True``)."""
    from wechatpy.parser import parse_message

    with pytest.raises(ValueError, match="entities are disabled"):
        parse_message(BOMB)


async def test_a_question_gets_the_knowledge_bases_top_items_with_links(oa: OAChannel) -> None:
    from knowledge import search

    reply = await oa.say("o-asker", "孩子上学需要办居住证吗")
    hits = await search.search("孩子上学需要办居住证吗", limit=3)
    assert len(hits) == 3 and reply.startswith("为您找到")
    for n, hit in enumerate(hits, 1):  # best first, each with its page
        link = f"https://hotline.example.gov.cn/kb/items/{hit['id']}"
        assert f"{n}. {hit['title']}\n{link}" in reply
    assert reply.count("https://hotline.example.gov.cn/kb/items/") == 3
    assert len(reply.encode()) < 2048  # WeChat's limit for a passive text reply
    # a retry is answered again, and nothing is recorded for a read
    assert await oa.say("o-asker", "孩子上学需要办居住证吗") == reply
    assert not await SeenMessage.exists()
    # commands keep working, and what matches nothing still gets the menu
    assert "查询" in await oa.say("o-asker", "查询")
    assert "随手拍" in await oa.say("o-asker", "你好")
    started = await oa.say("o-asker", "随手拍 文三路路灯坏了")
    assert "已开始随手拍" in started
    # while a draft is open, text is part of it, not a question
    assert "已记录文字描述" in await oa.say("o-asker", "居住证")
