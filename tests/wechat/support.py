"""Shared by tests/test_wechat_*.py: the fake WeChat API server, settings pointed at it, and
messages built the way WeChat's servers build them (real signatures, WeChatCrypto for 安全模式).

Import the fixture into a test module: ``from tests.wechat.support import wx_fixture  # noqa: F401``
(it is named ``wx``).
"""

from __future__ import annotations

import atexit
import itertools
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from hotline import settings as settings_mod
from tests.fakes.wechat_api import FakeWeChat
from wechat import chat, tokens

MINI_APPID, MINI_SECRET = "wx-mini-test", "mini-secret"
OA_APPID, OA_SECRET = "wx-oa-test", "oa-secret"
OA_TOKEN = "hotline-oa-token"
OA_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 chars, like WeChat's
OA_ACCOUNT = "gh_hotline12345"
OA_PATH = "/wechat/official-account"

_fake: FakeWeChat | None = None
_msg_ids = itertools.count(int(time.time()) * 1000)


def fake_server() -> FakeWeChat:
    global _fake
    if _fake is None:
        _fake = FakeWeChat(apps={MINI_APPID: MINI_SECRET, OA_APPID: OA_SECRET}).start()
        atexit.register(_fake.stop)
    return _fake


def overrides(base_url: str) -> dict[str, Any]:
    return {
        "wechat_api_base": base_url,
        "wechat_mini_appid": MINI_APPID,
        "wechat_mini_secret": MINI_SECRET,
        "wechat_oa_appid": OA_APPID,
        "wechat_oa_secret": OA_SECRET,
        "wechat_oa_token": OA_TOKEN,
        "wechat_oa_aes_key": OA_AES_KEY,
        "wechat_timeout_s": 2.0,
        "wechat_chat_budget_s": 1.0,
        "public_base_url": "https://hotline.example.gov.cn",
    }


@pytest.fixture(name="wx")
async def wx_fixture() -> AsyncIterator[FakeWeChat]:
    """The fake WeChat API, with the process settings pointed at it for one test."""
    fake = fake_server()
    fake.reset()
    s = settings_mod.current()
    values = overrides(fake.base_url)
    saved = {k: getattr(s, k) for k in values}
    for k, v in values.items():
        setattr(s, k, v)
    await tokens.reset()
    try:
        yield fake
    finally:
        await chat.drain()
        for k, v in saved.items():
            setattr(s, k, v)
        await tokens.reset()


def next_msg_id() -> int:
    return next(_msg_ids)


def message_xml(openid: str, msg_type: str, *, msg_id: int | None = None,
                create_time: int | None = None, **fields: Any) -> str:
    """A message as WeChat pushes it (CDATA strings, numeric times and ids)."""
    parts = [
        f"<ToUserName><![CDATA[{OA_ACCOUNT}]]></ToUserName>",
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>",
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
    ]
    for name, value in fields.items():
        parts.append(f"<{name}>{value}</{name}>" if isinstance(value, int | float)
                     else f"<{name}><![CDATA[{value}]]></{name}>")
    if msg_type != "event":
        parts.append(f"<MsgId>{msg_id if msg_id is not None else next_msg_id()}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


class OAChannel:
    """Posts to the official-account URL like WeChat does, plain or encrypted."""

    def __init__(self, client: httpx.AsyncClient, *, encrypted: bool = False) -> None:
        self.client = client
        self.encrypted = encrypted
        self.crypto = WeChatCrypto(OA_TOKEN, OA_AES_KEY, OA_APPID)

    def request(self, xml: str | bytes, *, bad_signature: bool = False,
                bad_msg_signature: bool = False) -> tuple[dict[str, str], bytes]:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        query = {"timestamp": timestamp, "nonce": nonce, "openid": "x",
                 "signature": sign(OA_TOKEN, timestamp, nonce)}
        if bad_signature:
            query["signature"] = "0" * 40
        body = xml.encode() if isinstance(xml, str) else xml
        if self.encrypted:
            sealed = xmltodict.parse(self.crypto.encrypt_message(body, nonce, timestamp))
            encrypt = sealed["xml"]["Encrypt"]
            body = (f"<xml><ToUserName><![CDATA[{OA_ACCOUNT}]]></ToUserName>"
                    f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>").encode()
            query["encrypt_type"] = "aes"
            query["msg_signature"] = sign(OA_TOKEN, timestamp, nonce, encrypt)
            if bad_msg_signature:
                query["msg_signature"] = "f" * 40
        return query, body

    async def post(self, xml: str | bytes, **kw: bool) -> httpx.Response:
        query, body = self.request(xml, **kw)
        return await self.client.post(OA_PATH, params=query, content=body,
                                      headers={"Content-Type": "text/xml"})

    def reply_text(self, response: httpx.Response) -> str:
        """The text of a passive reply ('' for ``success``), decrypted and verified."""
        assert response.status_code == 200, response.text
        if response.text == "success":
            return ""
        doc = xmltodict.parse(response.text)["xml"]
        if self.encrypted:
            assert sign(OA_TOKEN, doc["TimeStamp"], doc["Nonce"], doc["Encrypt"]) == \
                doc["MsgSignature"]
            inner = self.crypto.decrypt_message(
                response.text, doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"]
            )
            doc = xmltodict.parse(inner)["xml"]
        assert doc["MsgType"] == "text"
        assert doc["FromUserName"] == OA_ACCOUNT
        return str(doc["Content"])

    async def say(self, openid: str, text: str, *, msg_id: int | None = None) -> str:
        xml = message_xml(openid, "text", Content=text, msg_id=msg_id)
        return self.reply_text(await self.post(xml))

    async def send(self, openid: str, msg_type: str, **fields: Any) -> str:
        return self.reply_text(await self.post(message_xml(openid, msg_type, **fields)))


async def mini_login(client: httpx.AsyncClient, fake: FakeWeChat, openid: str, *,
                     unionid: str | None = None) -> dict[str, Any]:
    code = f"code-{secrets.token_hex(6)}"
    fake.add_login(code, openid, unionid=unionid)
    r = await client.post("/api/v1/auth/wechat-login", json={"code": code})
    assert r.status_code == 200, r.text
    return r.json()
