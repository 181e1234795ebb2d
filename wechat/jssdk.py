"""WeChat's JS-SDK for the citizen pages inside WeChat: the signed ``wx.config`` and the photos
a citizen chose with ``wx.chooseImage`` / ``wx.uploadImage``, fetched back from WeChat.

    from wechat import jssdk

    if jssdk.enabled():
        cfg = await jssdk.config("https://12345.example.gov.cn/h5/file")  # None: not now
    body, content_type = await jssdk.media("MEDIA_ID")  # WeChatError on failure

- The jsapi ticket (``cgi-bin/ticket/getticket?type=jsapi``, official account) is fetched with
  the project's async client (``wechat.client``: base URL, timeouts, the access token and its one
  retry) and kept like an access token (``wechat.tokens``, key ``jsapi:<appid>``: Redis when
  configured, else the ``wechat_access_token`` table, sealed; in memory until
  HOTLINE_WECHAT_TOKEN_MARGIN_S before it expires), so every replica shares one ticket and
  WeChat's daily quota of tickets is not spent per process.
- The signature is wechatpy's (``WeChatJSAPI.get_jsapi_signature``: sha1 of
  ``jsapi_ticket=…&noncestr=…&timestamp=…&url=…``, keys in order), over the page's URL as the
  citizen's browser sees it, without the fragment.
- Off unless HOTLINE_WECHAT_JSSDK is set and the official account has an appid and secret
  (the page's domain must also be a "JS接口安全域名" of the account). When WeChat cannot be
  reached the page simply uses the browser's own inputs.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from wechatpy.client.api.jsapi import WeChatJSAPI

from hotline import settings as settings_mod
from wechat import client, tokens

log = logging.getLogger("hotline.wechat")

SCRIPT = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"  # the one outside script, in WeChat
APIS = ["getLocation", "chooseImage", "uploadImage"]
_signer = WeChatJSAPI()


def enabled() -> bool:
    s = settings_mod.current()
    return bool(s.wechat_jssdk and s.wechat_oa_appid and s.wechat_oa_secret)


def signature(ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    """WeChat's JS-SDK signature (appendix 1 of its JS-SDK documentation), by wechatpy."""
    return str(_signer.get_jsapi_signature(noncestr, ticket, timestamp, url))


async def _fetch_ticket(force: bool) -> tuple[str, int]:
    data = await client.call("oa", "GET", "cgi-bin/ticket/getticket", params={"type": "jsapi"})
    ticket = data.get("ticket")
    if not isinstance(ticket, str) or not ticket:
        raise client.WeChatUnavailable("getticket answered without a ticket")
    try:
        expires_in = int(data.get("expires_in", 7200))
    except (TypeError, ValueError):
        expires_in = 7200
    log.info("fetched a WeChat jsapi ticket")
    return ticket, expires_in


async def ticket() -> str:
    """The official account's jsapi ticket, shared by every replica until it nears expiry."""
    appid = client.app_config("oa").appid
    return await tokens.current(f"jsapi:{appid}", _fetch_ticket)


async def config(url: str) -> dict[str, Any] | None:
    """``wx.config``'s arguments for the page at ``url``; None when the JS-SDK is off or WeChat
    could not give a ticket now (the page then uses the browser's inputs)."""
    if not enabled():
        return None
    try:
        current = await ticket()
    except client.WeChatError as exc:
        log.warning("no WeChat jsapi ticket (%s); the page uses the browser's inputs", exc)
        return None
    nonce, timestamp = secrets.token_hex(8), int(time.time())
    return {
        "appId": settings_mod.current().wechat_oa_appid,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": signature(current, nonce, timestamp, url.split("#", 1)[0]),
        "jsApiList": APIS,
    }


async def media(media_id: str) -> tuple[bytes, str]:
    """A photo the citizen uploaded with ``wx.uploadImage`` (``cgi-bin/media/get``; WeChat
    keeps it three days)."""
    return await client.download("oa", "cgi-bin/media/get", {"media_id": media_id})
