"""Signing in inside WeChat: the official account's OAuth (``wechat.oauth``, the API's flow)
returns to ``/h5/wechat`` with citizen tokens in the URL fragment; the page's script posts
the access token, which becomes an /h5/ session (then the tokens are not kept by the page).
Filings from a session whose browser is WeChat's are of channel ``wechat_oa``.

Inside WeChat, with the JS-SDK configured (``wechat.jssdk``), the filing page carries a signed
``wx.config`` and may load WeChat's script (its CSP allows that one file then, and only then):
location by ``wx.getLocation``, photos by ``wx.chooseImage``/``wx.uploadImage``, which the
server fetches back from WeChat (``portal.h5_filing``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from console.csrf import same_origin
from hotline import settings as settings_mod
from hotline.errors import Problem
from identity import citizens, tokens
from portal import h5_session, templating
from wechat import jssdk

router = APIRouter()
AUTHORIZE = "/api/v1/wechat/oauth/authorize?next=%2Fh5%2Fwechat"


def in_wechat(request: Request) -> bool:
    return "micromessenger" in request.headers.get("user-agent", "").lower()


def offered(request: Request) -> bool:
    """Whether the login page offers WeChat sign-in: inside WeChat, with an official account."""
    return in_wechat(request) and bool(settings_mod.current().wechat_oa_appid)


async def jssdk_config(request: Request) -> dict[str, Any] | None:
    """``wx.config`` for this page inside WeChat, signed over its address as the citizen's
    browser has it (HOTLINE_PUBLIC_BASE_URL + path + query); None outside WeChat or when off."""
    if not in_wechat(request) or not jssdk.enabled():
        return None
    query = request.url.query
    url = settings_mod.current().public_base_url + request.url.path + (f"?{query}" if query else "")
    return await jssdk.config(url)


def jssdk_headers(cfg: dict[str, Any] | None) -> dict[str, str]:
    return {"Content-Security-Policy": templating.CSP_WECHAT} if cfg else {}


@router.get("/wechat")
async def landing(request: Request) -> Response:
    return templating.render(request, "h5/wechat.html")


class TokenIn(BaseModel):
    access_token: str = Field(max_length=2000)


@router.post("/login/wechat")
async def from_oauth(body: TokenIn, request: Request) -> Response:
    if not same_origin(request):
        return JSONResponse({"message": "请求被拒绝"}, status_code=403)
    try:
        claims = tokens.decode_access(body.access_token)
    except Problem:
        claims = {}
    parsed = tokens.parse_subject(str(claims.get("sub", "")))
    if parsed is None or parsed[0] != "citizen" or not await citizens.citizen_exists(
        parsed[1], tokens.issued_at(claims)
    ):
        return JSONResponse({"message": "微信登录已失效，请重新进入"}, status_code=401)
    response = JSONResponse({"next": "/h5/"})
    await h5_session.start(response, parsed[1])
    return response
