"""The WeChat client wrapper against the fake WeChat API: base URL, shared tokens, the one retry,
timeouts, and the thread pool."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest

from hotline import settings as settings_mod
from models.wechat import AccessToken
from tests.fakes.wechat_api import FakeWeChat
from tests.wechat.support import MINI_APPID, OA_APPID, wx_fixture  # noqa: F401
from wechat import client, tokens
from wechat.client import WeChatError, WeChatNotConfigured, WeChatUnavailable

SEND = "cgi-bin/message/custom/send"
BODY = {"touser": "o-1", "msgtype": "text", "text": {"content": "您的诉求已受理"}}


def token_fetches(fake: FakeWeChat) -> list[Any]:
    return [c.body for c in fake.calls_to("cgi-bin/stable_token")]


async def shared_token(appid: str) -> tuple[str, float] | None:
    return await tokens.load(appid)


async def test_call_uses_base_url_and_stable_token(wx: FakeWeChat) -> None:
    reply = await client.call("oa", "POST", SEND, json=BODY)
    assert reply["errcode"] == 0
    sent = wx.sent()
    assert len(sent) == 1 and sent[0].body == BODY  # Chinese arrives intact
    assert sent[0].query["access_token"].startswith(f"ACCESS-{OA_APPID}-")
    fetches = token_fetches(wx)
    assert fetches == [{"grant_type": "client_credential", "appid": OA_APPID,
                        "secret": "oa-secret", "force_refresh": False}]
    assert wx.calls_to("cgi-bin/token") == []  # never the old, per-process token API
    await client.call("oa", "POST", SEND, json=BODY)
    assert len(token_fetches(wx)) == 1  # kept until it nears expiry


async def test_token_is_shared_between_replicas(wx: FakeWeChat) -> None:
    await client.call("mini", "POST", "cgi-bin/message/subscribe/send", json={"touser": "o"})
    stored = await shared_token(MINI_APPID)
    assert stored is not None and stored[0].startswith("ACCESS-")
    if not settings_mod.current().redis_url:  # in the database: encrypted, not in clear
        row = await AccessToken.get(appid=MINI_APPID)
        assert stored[0] not in row.token_enc
    tokens.forget()  # another replica: empty memory, same shared store
    await client.call("mini", "POST", "cgi-bin/message/subscribe/send", json={"touser": "o"})
    assert len(token_fetches(wx)) == 1


async def test_refreshes_before_expiry(wx: FakeWeChat) -> None:
    await client.call("oa", "POST", SEND, json=BODY)
    first = await shared_token(OA_APPID)
    assert first is not None
    margin = settings_mod.current().wechat_token_margin_s
    await tokens.save(OA_APPID, first[0], first[1] - wx.token_ttl + margin - 1)  # about to expire
    tokens.forget()
    await client.call("oa", "POST", SEND, json=BODY)
    assert len(token_fetches(wx)) == 2


@pytest.mark.parametrize("errcode", [40001, 42001])
async def test_one_forced_refresh_and_retry(wx: FakeWeChat, errcode: int) -> None:
    await client.call("oa", "POST", SEND, json=BODY)
    old = wx.sent()[0].query["access_token"]
    if errcode == 40001:
        wx.revoke_tokens()
    else:
        wx.expire_tokens()
    await client.call("oa", "POST", SEND, json=BODY)
    attempts = wx.calls_to(SEND)
    assert len(attempts) == 3  # first call, the rejected one, the retry
    assert attempts[2].query["access_token"] != old
    assert token_fetches(wx)[-1]["force_refresh"] is True
    stored = await shared_token(OA_APPID)
    assert stored is not None and stored[0] == attempts[2].query["access_token"]


async def test_retries_only_once(wx: FakeWeChat) -> None:
    wx.fail(SEND, errcode=40001, times=5)
    with pytest.raises(WeChatError) as err:
        await client.call("oa", "POST", SEND, json=BODY)
    assert err.value.errcode == 40001 and err.value.retryable
    assert len(wx.calls_to(SEND)) == 2
    assert len(token_fetches(wx)) == 2


async def test_uses_a_newer_token_another_replica_stored(wx: FakeWeChat) -> None:
    await client.call("oa", "POST", SEND, json=BODY)
    tokens.forget()
    wx.revoke_tokens()
    fresh = wx._issue_token(OA_APPID, force=True)  # what the other replica got
    exp = (await shared_token(OA_APPID) or ("", 0.0))[1]
    await tokens.save(OA_APPID, fresh["access_token"], exp)
    stale = wx.calls_to(SEND)[0].query["access_token"]
    tokens._cache[OA_APPID] = (stale, exp)  # this replica still holds the old one
    await client.call("oa", "POST", SEND, json=BODY)
    assert wx.calls_to(SEND)[-1].query["access_token"] == fresh["access_token"]
    assert len(token_fetches(wx)) == 1  # no forced refresh needed


async def test_concurrent_first_calls_fetch_one_token(wx: FakeWeChat) -> None:
    await asyncio.gather(*(client.call("oa", "POST", SEND, json=BODY) for _ in range(8)))
    assert len(token_fetches(wx)) == 1
    assert len(wx.sent()) == 8


async def test_errors(wx: FakeWeChat) -> None:
    wx.fail(SEND, errcode=-1, errmsg="system busy")
    with pytest.raises(WeChatError) as err:
        await client.call("oa", "POST", SEND, json=BODY)
    assert err.value.errcode == -1 and err.value.retryable
    wx.fail(SEND, errcode=43101, errmsg="user refuse to accept the msg")
    with pytest.raises(WeChatError) as err:
        await client.call("oa", "POST", SEND, json=BODY)
    assert err.value.errcode == 43101 and not err.value.retryable
    wx.fail(SEND, status=500)
    with pytest.raises(WeChatUnavailable):
        await client.call("oa", "POST", SEND, json=BODY)
    with pytest.raises(ValueError):
        await client.call("oa", "GET", "https://evil.example/cgi-bin/token")
    with pytest.raises(ValueError):
        await client.call("oa", "GET", "cgi-bin/../../etc")


async def test_not_configured(wx: FakeWeChat) -> None:
    settings_mod.current().wechat_oa_secret = ""
    with pytest.raises(WeChatNotConfigured) as err:
        await client.call("oa", "POST", SEND, json=BODY)
    assert not err.value.retryable
    assert wx.calls == []


async def test_timeout_and_loop_stays_free(wx: FakeWeChat) -> None:
    await client.call("oa", "POST", SEND, json=BODY)  # token in hand
    wx.fail(SEND, hang=30)
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    with pytest.raises(WeChatUnavailable) as err:
        await client.call("oa", "POST", SEND, json=BODY, budget_s=0.5)
    stop.set()
    await task
    assert err.value.errcode is None and err.value.retryable
    assert ticks > 3  # the event loop ran while the request hung in a pool thread
    hung = wx.calls_to(SEND)[-1]
    assert hung.query["access_token"]


async def test_requests_run_in_the_pool(wx: FakeWeChat, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    original = client._request_sync

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(client, "_request_sync", spy)
    await client.call("oa", "POST", SEND, json=BODY)
    assert seen and all(name.startswith("wechat") for name in seen)
    assert threading.main_thread().name not in seen


async def test_download_media(wx: FakeWeChat) -> None:
    wx.add_media("MEDIA1", b"\xff\xd8\xff\xe0jpeg-bytes", "image/jpeg")
    data, ctype = await client.download("oa", "cgi-bin/media/get", {"media_id": "MEDIA1"})
    assert data.startswith(b"\xff\xd8") and ctype == "image/jpeg"
    with pytest.raises(WeChatError) as err:
        await client.download("oa", "cgi-bin/media/get", {"media_id": "nope"})
    assert err.value.errcode == 40007


async def test_template_and_subscribe_sends(wx: FakeWeChat) -> None:
    template = {"touser": "o-oa", "template_id": "T1", "data": {"thing1": {"value": "已受理"}}}
    await client.call("oa", "POST", "cgi-bin/message/template/send", json=template)
    sub = {"touser": "o-mini", "template_id": "S1", "data": {"thing1": {"value": "已答复"}}}
    await client.call("mini", "POST", "cgi-bin/message/subscribe/send", json=sub)
    bodies = [c.body for c in wx.sent()]
    assert bodies == [template, sub]
    used = [c.query["access_token"] for c in wx.sent()]
    assert used[0].startswith(f"ACCESS-{OA_APPID}-") and used[1].startswith(f"ACCESS-{MINI_APPID}-")
    assert json.dumps(bodies, ensure_ascii=False).count("已") == 2
