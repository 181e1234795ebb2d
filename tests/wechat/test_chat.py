"""随手拍 by chat on the official account: drafts from text, photos and location; 提交, 取消,
expiry, retries, and content security at submission."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from models.case import Case
from models.citizen import Citizen
from models.media import Photo
from models.wechat import ChatDraft, SeenMessage
from tests.fakes.wechat_api import FakeWeChat
from tests.media import fixtures as fx
from tests.wechat.support import OAChannel, message_xml, next_msg_id, wx_fixture  # noqa: F401
from wechat import chat

OPENID = "o-citizen-1"
HANGZHOU = {"Location_X": 30.2741, "Location_Y": 120.1551, "Scale": 15,
            "Label": "杭州市西湖区文三路"}


@pytest.fixture(params=[False, True], ids=["plain", "aes"])
def oa(request: pytest.FixtureRequest, client: httpx.AsyncClient, wx: FakeWeChat) -> OAChannel:
    return OAChannel(client, encrypted=request.param)


async def draft() -> ChatDraft | None:
    return await ChatDraft.get_or_none(openid=OPENID)


async def test_file_a_case_by_chat(oa: OAChannel, wx: FakeWeChat) -> None:
    wx.add_media("MEDIA-1", fx.make_jpeg(640, 480, gps=(30.27, 120.15)))
    reply = await oa.say(OPENID, "随手拍 文三路人行道上的井盖破损了")
    assert "已开始随手拍" in reply and "提交" in reply
    assert "共2段" in await oa.say(OPENID, "晚上路过很危险，请尽快处理")
    assert "已收到照片" in await oa.send(OPENID, "image", PicUrl="http://x/1.jpg",
                                         MediaId="MEDIA-1")
    assert "文三路" in await oa.send(OPENID, "location", **HANGZHOU)
    await chat.drain()
    d = await draft()
    assert d is not None and len(d.photo_ids) == 1 and isinstance(d.photo_ids[0], int)
    reply = await oa.say(OPENID, "提交")
    assert "诉求已提交" in reply and "查询码" in reply
    tracking_no = reply.split("诉求编号：")[1].split("\n")[0]
    case = await Case.get(tracking_no=tracking_no)
    assert case.channel == "wechat_oa" and case.category_id == "GENERAL"  # type: ignore[attr-defined]
    assert case.content == "文三路人行道上的井盖破损了\n晚上路过很危险，请尽快处理"
    assert (case.lat, case.lng, case.address) == (30.2741, 120.1551, "杭州市西湖区文三路")
    assert case.flags == []
    photo = await Photo.get(id=case.photo_ids[0])
    assert photo.case_id == case.id  # type: ignore[attr-defined]
    citizen = await Citizen.get(openid_oa=OPENID)
    assert case.citizen_id == citizen.id  # type: ignore[attr-defined]
    assert await draft() is None
    check = wx.calls_to("wxa/msg_sec_check")[0].body
    assert check["openid"] == OPENID and "井盖破损" in check["content"]
    media = wx.calls_to("cgi-bin/media/get")[0]
    assert media.query["media_id"] == "MEDIA-1" and media.query["access_token"]
    # the owner's openid can now ask for progress without the query code
    assert "办理状态：已受理" in await oa.say(OPENID, f"查询 {tracking_no}")


async def test_replayed_message_is_one_step(oa: OAChannel) -> None:
    await oa.say(OPENID, "随手拍 路灯不亮")
    msg_id = next_msg_id()
    first = await oa.say(OPENID, "已经坏了三天了", msg_id=msg_id)
    second = await oa.say(OPENID, "已经坏了三天了", msg_id=msg_id)
    assert first == second
    d = await draft()
    assert d is not None and d.texts == ["路灯不亮", "已经坏了三天了"]


async def test_concurrent_retries_make_one_step(oa: OAChannel) -> None:
    await oa.say(OPENID, "随手拍 垃圾桶满了没人清理")
    xml = message_xml(OPENID, "text", Content="已经三天了", msg_id=next_msg_id())
    replies = await asyncio.gather(*(oa.post(xml) for _ in range(3)))
    texts = {oa.reply_text(r) for r in replies}
    d = await draft()
    assert d is not None and d.texts == ["垃圾桶满了没人清理", "已经三天了"]
    assert len(texts) == 1 and "共2段" in texts.pop()


async def test_replayed_image_is_fetched_once(oa: OAChannel, wx: FakeWeChat) -> None:
    wx.add_media("M2", fx.make_jpeg(320, 240))
    xml = message_xml(OPENID, "image", MediaId="M2", PicUrl="http://x")
    r1, r2 = oa.reply_text(await oa.post(xml)), oa.reply_text(await oa.post(xml))
    assert r1 == r2
    await chat.drain()
    d = await draft()
    assert d is not None and len(d.photo_ids) == 1
    assert len(wx.calls_to("cgi-bin/media/get")) == 1


async def test_replayed_submit_files_one_case(oa: OAChannel) -> None:
    await oa.say(OPENID, "随手拍 河道里有人倾倒垃圾")
    msg_id = next_msg_id()
    first = await oa.say(OPENID, "提交", msg_id=msg_id)
    second = await oa.say(OPENID, "提交", msg_id=msg_id)
    assert first == second and "诉求已提交" in first
    assert await Case.all().count() == 1
    assert "没有待提交" in await oa.say(OPENID, "提交")


async def test_cancel_and_expiry(oa: OAChannel) -> None:
    await oa.say(OPENID, "随手拍 公交站牌被撞倒了")
    assert "已取消" in await oa.say(OPENID, "取消")
    assert await draft() is None
    assert "没有待提交" in await oa.say(OPENID, "取消")
    await oa.say(OPENID, "随手拍 公交站牌被撞倒了")
    await ChatDraft.filter(openid=OPENID).update(
        updated_at=datetime.now(UTC) - timedelta(minutes=31))
    assert "没有待提交" in await oa.say(OPENID, "提交")
    assert await Case.all().count() == 0
    # without an open draft, plain text is a question (knowledge items or the menu, both
    # pointing to 随手拍), not a draft
    assert "随手拍" in await oa.say(OPENID, "公交站牌被撞倒了")
    assert await draft() is None


async def test_submit_needs_text_and_waits_for_photos(oa: OAChannel, wx: FakeWeChat) -> None:
    wx.add_media("M3", fx.make_jpeg(320, 240))
    await oa.send(OPENID, "image", MediaId="M3", PicUrl="http://x")
    assert "文字描述" in await oa.say(OPENID, "提交")  # a photo alone is not a case
    await chat.drain()
    await oa.say(OPENID, "随手拍")
    now = int(datetime.now(UTC).timestamp())
    await ChatDraft.filter(openid=OPENID).update(
        photo_ids=[{"m": "M-slow", "at": now}], texts=["占道经营严重"])
    assert "照片还在接收中" in await oa.say(OPENID, "提交")
    await ChatDraft.filter(openid=OPENID).update(photo_ids=[{"m": "M-slow", "at": 0}])
    reply = await oa.say(OPENID, "提交")
    assert "诉求已提交" in reply and "1张照片未能接收" in reply


async def test_photo_fetch_failure_is_reported(oa: OAChannel, wx: FakeWeChat) -> None:
    await oa.say(OPENID, "随手拍 小区门口占道经营")
    wx.fail("cgi-bin/media/get", status=500)
    await oa.send(OPENID, "image", MediaId="M-broken", PicUrl="http://x")
    await oa.send(OPENID, "image", MediaId="M-unknown", PicUrl="http://x")  # 40007
    await chat.drain()
    d = await draft()
    assert d is not None and all(p.get("failed") for p in d.photo_ids)
    reply = await oa.say(OPENID, "提交")
    assert "诉求已提交" in reply and "2张照片未能接收" in reply


async def test_location_outside_china_is_refused(oa: OAChannel) -> None:
    reply = await oa.send(OPENID, "location", Location_X=48.85, Location_Y=2.35, Scale=15,
                          Label="Paris")
    assert "未能识别该位置" in reply
    assert await draft() is None


async def test_risky_text_is_refused(oa: OAChannel) -> None:
    await oa.say(OPENID, "随手拍 这里有违禁词出现")
    reply = await oa.say(OPENID, "提交")
    assert "未能受理" in reply
    assert await Case.all().count() == 0 and await draft() is None


async def test_review_text_is_flagged(oa: OAChannel) -> None:
    await oa.say(OPENID, "随手拍 这里有待审词出现")
    assert "诉求已提交" in await oa.say(OPENID, "提交")
    assert (await Case.get()).flags == ["content_review"]


@pytest.mark.parametrize("fault", [{"status": 500}, {"hang": 10}, {"errcode": -1}])
async def test_unchecked_when_wechat_is_down(client: httpx.AsyncClient, wx: FakeWeChat,
                                             fault: dict[str, object]) -> None:
    oa = OAChannel(client, encrypted=True)
    await oa.say(OPENID, "随手拍 下水道井盖丢失")
    wx.fail("wxa/msg_sec_check", **fault)  # type: ignore[arg-type]
    assert "诉求已提交" in await oa.say(OPENID, "提交")
    assert (await Case.get()).flags == ["content_unchecked"]
    assert await SeenMessage.all().count() == 2  # both messages recorded as handled
