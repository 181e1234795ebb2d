"""OAuth for H5 pages opened inside WeChat (``snsapi_base``: silent, openid only).

1. ``GET /api/v1/wechat/oauth/authorize?next=/h5/...`` -> 302 to WeChat's authorize URL. A random
   nonce goes into an HttpOnly, SameSite=Lax cookie (signed, with ``next`` and the expiry), and
   ``state`` = 10-digit expiry + HMAC(secret_key, nonce, expiry): alphanumeric and 50 bytes,
   within WeChat's 128-byte ``[a-zA-Z0-9]`` limit, so ``next`` never travels through WeChat.
2. ``GET /api/v1/wechat/oauth/callback?code=&state=`` -> the state must match the cookie of the
   same browser and be younger than HOTLINE_WECHAT_OAUTH_STATE_TTL_S: a missing state is 400
   ``missing_state``; a wrong, expired or cookie-less one is 403 ``invalid_state`` (CSRF / login
   fixation). The code is exchanged at ``sns/oauth2/access_token``; the citizen is found or
   created by unionid, then official-account openid; citizen tokens (channel ``wechat_oa``) are
   issued. With a ``next`` the browser is sent there with the tokens in the URL fragment (never
   sent to a server); without one the reply is the usual login JSON.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hotline import settings as settings_mod
from hotline.errors import Forbidden, Problem, Unavailable, ValidationProblem
from identity import citizens
from wechat import codes

COOKIE = "hotline_wx_oauth"
COOKIE_PATH = "/api/v1/wechat/oauth"
CALLBACK_PATH = "/api/v1/wechat/oauth/callback"
CHANNEL = "wechat_oa"
_STATE = re.compile(r"^(\d{10})([0-9a-f]{40})$")


@dataclass(frozen=True)
class Start:
    url: str
    cookie: str
    max_age: int
    secure: bool


def _mac(*parts: str) -> str:
    key = hashlib.sha256(("wx-oauth|" + settings_mod.current().secret_key).encode()).digest()
    return hmac.new(key, "|".join(parts).encode(), hashlib.sha256).hexdigest()


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative ``//``."""
    if target is None or target == "":
        return None
    if (
        not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or len(target) > 512
        or any(ord(ch) < 0x21 or ch in "\\#" for ch in target)
    ):
        raise ValidationProblem("next 必须是本站的相对路径", code="invalid_next")
    return target


def begin(target: str | None, now: int | None = None) -> Start:
    s = settings_mod.current()
    if not (s.wechat_oa_appid and s.wechat_oa_secret):
        raise Unavailable("未配置微信公众号", code="wechat_not_configured")
    nxt = safe_next(target)
    now = int(time.time()) if now is None else now
    ttl = s.wechat_oauth_state_ttl_s
    expires = now + ttl
    nonce = secrets.token_urlsafe(24)
    state = f"{expires:010d}" + _mac("state", nonce, str(expires))[:40]
    payload = base64.urlsafe_b64encode(
        json.dumps({"n": nonce, "x": expires, "next": nxt}).encode()
    ).decode().rstrip("=")
    base = s.public_base_url.rstrip("/")
    redirect_uri = quote(base + CALLBACK_PATH, safe="")
    # WeChat insists on this parameter order
    url = (
        f"{s.wechat_oauth_authorize_url}?appid={s.wechat_oa_appid}&redirect_uri={redirect_uri}"
        f"&response_type=code&scope=snsapi_base&state={state}#wechat_redirect"
    )
    return Start(url, f"{payload}.{_mac('cookie', payload)}", ttl, base.startswith("https://"))


def _invalid() -> Forbidden:
    return Forbidden("授权已失效，请重新打开页面", code="invalid_state")


def verify(state: str | None, cookie: str | None, now: int | None = None) -> str | None:
    """Check ``state`` against this browser's cookie; returns the ``next`` path it carries."""
    if not state:
        raise Problem("缺少 state 参数", code="missing_state", status=400)
    m = _STATE.match(state)
    if not cookie or m is None:
        raise _invalid()
    payload, _, mac = cookie.rpartition(".")
    expected_mac = _mac("cookie", payload).encode()
    if not payload or not hmac.compare_digest(mac.encode("utf-8", "replace"), expected_mac):
        raise _invalid()
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        nonce, expires = str(data["n"]), int(data["x"])
    except (ValueError, KeyError, TypeError):
        raise _invalid() from None
    expected = _mac("state", nonce, str(expires))[:40]
    if int(m.group(1)) != expires or not hmac.compare_digest(m.group(2), expected):
        raise _invalid()
    if expires < (int(time.time()) if now is None else now):
        raise _invalid()
    nxt = data.get("next")
    return nxt if isinstance(nxt, str) else None


async def complete(
    code: str | None, state: str | None, cookie: str | None
) -> tuple[dict[str, Any], str | None]:
    """Exchange the code after checking the state; (login reply, next path or None)."""
    nxt = verify(state, cookie)
    if not code:
        raise Problem("缺少授权 code", code="missing_code", status=400)
    got = await codes.exchange(codes.OA_OAUTH, code, "微信授权")
    return await citizens.login_reply(got.citizen, CHANNEL), nxt
