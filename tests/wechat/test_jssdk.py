"""The JS-SDK's ticket and signature against the fake WeChat API: wechatpy's algorithm checked
against WeChat's own example, the ticket fetched with a valid access token and shared by every
replica until it nears expiry, and photos fetched back from WeChat."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from hotline import settings as settings_mod
from models.wechat import AccessToken
from tests.fakes.wechat_api import FakeWeChat
from tests.wechat.support import OA_APPID, wx_fixture  # noqa: F401
from wechat import jssdk, tokens

TICKET = "cgi-bin/ticket/getticket"


def on() -> Any:
    s = settings_mod.current()
    s.wechat_jssdk = True
    return s


def test_signature_matches_wechats_documented_example() -> None:
    # 微信 JS-SDK 说明文档, 附录1 (JS-SDK使用权限签名算法): its worked example
    ticket = ("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOc"
              "HKP7qg")
    signed = jssdk.signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457,
                             "http://mp.weixin.qq.com?params=value")
    assert signed == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"


async def test_off_unless_configured(wx: FakeWeChat) -> None:
    assert settings_mod.current().wechat_jssdk is False
    assert not jssdk.enabled() and await jssdk.config("https://x/h5/file") is None
    assert wx.calls_to(TICKET) == []


async def test_config_is_signed_with_a_ticket_fetched_with_a_valid_token(wx: FakeWeChat) -> None:
    s = on()
    try:
        cfg = await jssdk.config(f"{s.public_base_url}/h5/file?x=1#photos")
    finally:
        s.wechat_jssdk = False
    assert cfg is not None and cfg["appId"] == OA_APPID
    assert cfg["jsApiList"] == ["getLocation", "chooseImage", "uploadImage"]
    ticket = wx.jsapi_ticket(OA_APPID)
    assert ticket
    plain = (f"jsapi_ticket={ticket}&noncestr={cfg['nonceStr']}&timestamp={cfg['timestamp']}"
             f"&url={s.public_base_url}/h5/file?x=1")  # the fragment is not signed
    assert cfg["signature"] == hashlib.sha1(plain.encode()).hexdigest()
    [call] = wx.calls_to(TICKET)
    assert call.query["type"] == "jsapi"
    assert call.query["access_token"].startswith(f"ACCESS-{OA_APPID}-")


async def test_the_ticket_is_shared_and_kept_until_it_nears_expiry(wx: FakeWeChat) -> None:
    on()
    try:
        first = await jssdk.ticket()
        tokens.forget()  # another replica: empty memory, the same shared store
        assert await jssdk.ticket() == first
        assert len(wx.calls_to(TICKET)) == 1
        if not settings_mod.current().redis_url:  # in the database, sealed
            row = await AccessToken.get(appid=f"jsapi:{OA_APPID}")
            assert first not in row.token_enc
        wx.expire_tickets()
        await tokens.save(f"jsapi:{OA_APPID}", first, time.time() + 60)  # inside the margin
        tokens.forget()
        second = await jssdk.ticket()
    finally:
        settings_mod.current().wechat_jssdk = False
    assert second != first and len(wx.calls_to(TICKET)) == 2


async def test_without_a_ticket_the_page_falls_back(wx: FakeWeChat) -> None:
    on()
    wx.fail(TICKET, status=500)
    try:
        assert await jssdk.config("https://x/h5/file") is None
    finally:
        settings_mod.current().wechat_jssdk = False


async def test_a_photo_comes_back_from_wechat_with_the_token(wx: FakeWeChat) -> None:
    wx.add_media("MEDIA-1", b"\xff\xd8jpeg", "image/jpeg")
    data, ctype = await jssdk.media("MEDIA-1")
    assert (data, ctype) == (b"\xff\xd8jpeg", "image/jpeg")
    [call] = wx.calls_to("cgi-bin/media/get")
    assert call.query["access_token"].startswith(f"ACCESS-{OA_APPID}-")
