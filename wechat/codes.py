"""WeChat's code endpoints: one exchange of a sign-in ``code`` for the citizen behind it.

The mini-program (``wx.login`` -> ``sns/jscode2session``) and OAuth for H5 pages
(``snsapi_base`` -> ``sns/oauth2/access_token``) differ only in the app, the path, the name of
the code parameter and the citizen column holding the openid. Both are app-credential calls
(no access token). WeChat's errors become the HTTP answers of :func:`wechat_problem`; a reply
without a usable openid is a 503 ``wechat_unavailable``. The citizen is found by unionid, then
openid, or created (``wechat.identities.find_or_create``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from hotline import settings as settings_mod
from hotline.errors import Problem, RateLimited, Unauthorized, Unavailable
from models.citizen import Citizen
from wechat import client, identities
from wechat.client import WeChatError

log = logging.getLogger("hotline.wechat")

BAD_CODE = {40029, 40163, 40125, 40226}  # invalid / used code, bad secret, blocked user
MAX_ID = 64  # longest openid / unionid kept


@dataclass(frozen=True)
class Endpoint:
    app: Literal["mini", "oa"]
    path: str
    code_param: str
    column: Literal["openid_mini", "openid_oa"]


@dataclass(frozen=True)
class Exchanged:
    citizen: Citizen  # found by unionid, then openid, or created
    openid: str
    reply: dict[str, Any]  # WeChat's whole answer (e.g. the mini-program's session_key)


MINI_LOGIN = Endpoint("mini", "sns/jscode2session", "js_code", "openid_mini")
OA_OAUTH = Endpoint("oa", "sns/oauth2/access_token", "code", "openid_oa")


def wechat_problem(exc: WeChatError, what: str) -> Problem:
    """The HTTP answer for a failed WeChat call made on a citizen's behalf."""
    if exc.errcode in BAD_CODE:
        return Unauthorized(f"{what}凭证无效或已使用，请重试", code="invalid_wechat_code")
    if exc.errcode == 45011:
        return RateLimited(5, "微信接口繁忙，请稍后再试")
    log.warning("WeChat failed during %s: %s %s", what, exc.errcode, exc.errmsg)
    return Unavailable("微信服务暂时不可用，请稍后再试", code="wechat_unavailable")


def unavailable() -> Unavailable:
    return Unavailable("微信服务暂时不可用，请稍后再试", code="wechat_unavailable")


async def exchange(endpoint: Endpoint, code: str, what: str) -> Exchanged:
    """The citizen behind ``code`` (found or created), its openid and WeChat's whole reply."""
    s = settings_mod.current()
    appid, secret = (
        (s.wechat_mini_appid, s.wechat_mini_secret)
        if endpoint.app == "mini"
        else (s.wechat_oa_appid, s.wechat_oa_secret)
    )
    try:
        data = await client.call(
            endpoint.app,
            "GET",
            endpoint.path,
            params={
                "appid": appid,
                "secret": secret,
                endpoint.code_param: code,
                "grant_type": "authorization_code",
            },
            token=False,
        )
    except WeChatError as exc:
        raise wechat_problem(exc, what) from None
    openid, unionid = data.get("openid"), data.get("unionid") or None
    if not isinstance(openid, str) or not openid or len(openid) > MAX_ID:
        raise unavailable()
    if not isinstance(unionid, str) or len(unionid) > MAX_ID:
        unionid = None
    citizen = await identities.find_or_create(endpoint.column, openid, unionid)
    return Exchanged(citizen, openid, data)
