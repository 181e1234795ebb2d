"""OAuth (snsapi_base) for H5 pages: the redirect, state bound to the browser, the callback."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

from identity import tokens
from models.citizen import Citizen
from tests.fakes.wechat_api import FakeWeChat
from tests.wechat.support import OA_APPID, wx_fixture  # noqa: F401
from wechat import oauth

AUTHORIZE = "/api/v1/wechat/oauth/authorize"
CALLBACK = "/api/v1/wechat/oauth/callback"


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    """A browser on HTTPS (the state cookie is Secure since the public URL is https)."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


async def start(client: httpx.AsyncClient, next_path: str | None = None) -> str:
    params = {"next": next_path} if next_path else {}
    r = await client.get(AUTHORIZE, params=params)
    assert r.status_code == 302, r.text
    assert oauth.COOKIE in r.cookies
    return parse_qs(urlsplit(r.headers["location"]).query)["state"][0]


async def test_redirects_to_wechat(client: httpx.AsyncClient, wx: FakeWeChat) -> None:
    r = await client.get(AUTHORIZE, params={"next": "/h5/cases?tab=mine"})
    assert r.status_code == 302
    location = r.headers["location"]
    assert location.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?appid=")
    assert location.endswith("#wechat_redirect")
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    assert list(query) == ["appid", "redirect_uri", "response_type", "scope", "state"]
    assert query["appid"] == [OA_APPID] and query["scope"] == ["snsapi_base"]
    assert unquote(query["redirect_uri"][0]) == \
        "https://hotline.example.gov.cn/api/v1/wechat/oauth/callback"
    state = query["state"][0]
    assert state.isalnum() and len(state) <= 128
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie


async def test_callback_issues_tokens(client: httpx.AsyncClient, wx: FakeWeChat) -> None:
    state = await start(client)
    wx.add_oauth("oc-1", "o-h5-1", unionid="u-h5")
    r = await client.get(CALLBACK, params={"code": "oc-1", "state": state})
    assert r.status_code == 200, r.text
    body = r.json()
    assert tokens.decode_access(body["access_token"])["ch"] == "wechat_oa"
    citizen = await Citizen.get(openid_oa="o-h5-1")
    assert citizen.unionid == "u-h5" and body["citizen"]["id"] == citizen.id
    call = wx.calls_to("sns/oauth2/access_token")[0]
    assert call.query["code"] == "oc-1" and "access_token" not in call.query
    # the cookie is spent: replaying the callback is refused
    r = await client.get(CALLBACK, params={"code": "oc-1", "state": state})
    assert r.status_code == 403


async def test_callback_redirects_to_next(client: httpx.AsyncClient, wx: FakeWeChat) -> None:
    state = await start(client, "/h5/track")
    wx.add_oauth("oc-2", "o-h5-2")
    r = await client.get(CALLBACK, params={"code": "oc-2", "state": state})
    assert r.status_code == 302
    target = urlsplit(r.headers["location"])
    assert (target.netloc, target.path) == ("hotline.example.gov.cn", "/h5/track")
    fragment = parse_qs(target.fragment)
    assert fragment["token_type"] == ["bearer"] and fragment["access_token"][0]
    assert not target.query  # tokens only in the fragment


@pytest.mark.parametrize("bad", ["https://evil.example/", "//evil.example", "/\\evil", "x"])
async def test_next_must_be_local(client: httpx.AsyncClient, wx: FakeWeChat, bad: str) -> None:
    r = await client.get(AUTHORIZE, params={"next": bad})
    assert r.status_code == 422 and r.json()["code"] == "invalid_next"


async def test_state_is_checked(client: httpx.AsyncClient, wx: FakeWeChat) -> None:
    wx.add_oauth("oc-3", "o-h5-3")
    r = await client.get(CALLBACK, params={"code": "oc-3"})
    assert r.status_code == 400 and r.json()["code"] == "missing_state"
    state = await start(client)
    tampered = state[:-1] + ("0" if state[-1] != "0" else "1")
    r = await client.get(CALLBACK, params={"code": "oc-3", "state": tampered})
    assert r.status_code == 403 and r.json()["code"] == "invalid_state"
    # another browser (no cookie) with a valid state: refused (login CSRF)
    async with httpx.AsyncClient(transport=client._transport, base_url="https://testserver") as c2:
        r = await c2.get(CALLBACK, params={"code": "oc-3", "state": state})
        assert r.status_code == 403
    # a state from another session of this browser: refused
    other = oauth.begin(None)
    other_state = parse_qs(urlsplit(other.url).query)["state"][0]
    r = await client.get(CALLBACK, params={"code": "oc-3", "state": other_state})
    assert r.status_code == 403
    assert not await Citizen.filter(openid_oa="o-h5-3").exists()
    assert wx.calls_to("sns/oauth2/access_token") == []


async def test_state_expires(wx: FakeWeChat) -> None:
    old = oauth.begin(None, now=int(time.time()) - 3600)
    state = parse_qs(urlsplit(old.url).query)["state"][0]
    with pytest.raises(Exception) as err:
        oauth.verify(state, old.cookie)
    assert getattr(err.value, "code", "") == "invalid_state"
    fresh = oauth.begin("/h5")
    state = parse_qs(urlsplit(fresh.url).query)["state"][0]
    assert oauth.verify(state, fresh.cookie) == "/h5"


async def test_bad_code(client: httpx.AsyncClient, wx: FakeWeChat) -> None:
    state = await start(client)
    r = await client.get(CALLBACK, params={"code": "never-issued", "state": state})
    assert r.status_code == 401 and r.json()["code"] == "invalid_wechat_code"
