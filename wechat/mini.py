"""The mini-program: sign-in with ``wx.login``, phone binding, subscribe-message consents.

- ``login(code)``: ``sns/jscode2session`` (app credentials, no access token); the citizen is
  found by unionid, then openid, or created; the ``session_key`` is kept encrypted on the row
  holding that openid and never leaves the server. Tokens carry the channel ``wechat_mini``.
- ``bind_phone(who, code)``: the ``getPhoneNumber`` code goes to
  ``wxa/business/getuserphonenumber``; a phone that already has a citizen (e.g. from SMS login)
  absorbs the caller (``identities.merge``) and the reply carries tokens for the survivor.
- ``record_consents(who, results)``: what ``wx.requestSubscribeMessage`` reported, per template:
  ``accept`` adds one send to ``remaining``, ``ban`` (the user switched it off) sets it to 0,
  ``reject``/``filter`` change nothing. ``spend_consent`` is for the sender (one per message).
"""

from __future__ import annotations

import logging
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from hotline import ratelimit
from hotline import settings as settings_mod
from hotline.crypto import encrypt
from hotline.errors import Unauthorized, ValidationProblem
from identity import citizens
from identity.phones import normalize_mobile
from identity.principal import Principal
from models.citizen import Citizen
from models.wechat import SubscriptionConsent
from wechat import client, codes, identities
from wechat.client import WeChatError

log = logging.getLogger("hotline.wechat")

CHANNEL = "wechat_mini"
CONSENT_STATES = ("accept", "reject", "ban", "filter")


async def login(code: str, client_ip: str) -> dict[str, Any]:
    await ratelimit.hit(f"wx-login-ip:{client_ip}", 120, 60)
    got = await codes.exchange(codes.MINI_LOGIN, code, "微信登录")
    session_key = got.reply.get("session_key")
    if isinstance(session_key, str) and session_key:  # kept on the row holding the openid
        await Citizen.filter(openid_mini=got.openid).update(session_key_enc=encrypt(session_key))
    return await citizens.login_reply(got.citizen, CHANNEL)


async def bind_phone(who: Principal, code: str) -> dict[str, Any]:
    s = settings_mod.current()
    me = await Citizen.get_or_none(id=who.id)
    if me is None:
        raise Unauthorized("登录已失效，请重新登录", code="invalid_token")
    try:
        data = await client.call(
            "mini", "POST", "wxa/business/getuserphonenumber", json={"code": code}
        )
    except WeChatError as exc:
        raise codes.wechat_problem(exc, "手机号授权") from None
    info = _object(data.get("phone_info"))
    watermark = _object(info.get("watermark"))
    if watermark.get("appid") not in (None, s.wechat_mini_appid):
        log.warning("getuserphonenumber watermark for another app: %s", watermark.get("appid"))
        raise codes.unavailable()
    if str(info.get("countryCode", "86")) != "86":
        raise ValidationProblem("目前仅支持中国大陆手机号", code="unsupported_phone")
    phone = normalize_mobile(str(info.get("purePhoneNumber") or ""))
    survivor, merged = await identities.attach_phone(me, phone)
    reply = await citizens.login_reply(survivor, CHANNEL)
    return reply | {"merged": merged}


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


async def record_consents(who: Principal, results: dict[str, str]) -> dict[str, Any]:
    me = await Citizen.get_or_none(id=who.id)
    if me is None:
        raise Unauthorized("登录已失效，请重新登录", code="invalid_token")
    citizen_id = (await identities.resolve(me)).id  # an old token of a merged row
    items = []
    for template_id, state in results.items():
        if state == "accept":
            await _add(citizen_id, template_id)
        elif state == "ban":
            await SubscriptionConsent.filter(
                citizen_id=citizen_id, template_id=template_id
            ).update(remaining=0)
        row = await SubscriptionConsent.get_or_none(citizen_id=citizen_id, template_id=template_id)
        items.append(
            {"template_id": template_id, "status": state, "remaining": row.remaining if row else 0}
        )
    return {"items": items}


async def _add(citizen_id: int, template_id: str) -> None:
    for _ in range(3):
        q = SubscriptionConsent.filter(citizen_id=citizen_id, template_id=template_id)
        if await q.update(remaining=F("remaining") + 1):
            return
        try:
            await SubscriptionConsent.create(
                citizen_id=citizen_id, template_id=template_id, remaining=1
            )
            return
        except IntegrityError:
            continue


async def spend_consent(citizen_id: int, template_id: str) -> bool:
    """Take one consent for a subscribe message; False when none is left (do not send)."""
    spent = await SubscriptionConsent.filter(
        citizen_id=citizen_id, template_id=template_id, remaining__gt=0
    ).update(remaining=F("remaining") - 1)
    return spent == 1
