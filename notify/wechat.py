"""WeChat messages to citizens: mini-program subscribe messages and official-account template
messages, through ``wechat.client`` (shared access tokens, one refresh and retry on
40001/42001, a thread pool, timeouts).

Each of our templates is mapped in settings (JSON in ``HOTLINE_WECHAT_MINI_TEMPLATES`` /
``HOTLINE_WECHAT_OA_TEMPLATES``)::

    {"case_replied": {"id": "<WeChat template id>",
                      "data": {"character_string1": "{tracking_no}", "thing2": "已答复，请评价"},
                      "page": "pages/case/detail?no={tracking_no}"}}

``data`` values are ``str.format`` strings over the message's parameters (``{text}`` is the
whole rendered message), cut to WeChat's length for the key's type (thing 20, phrase 5, …);
without ``data`` the text goes in ``thing1``. A subscribe message spends one of the citizen's
consents for that template first; if WeChat refuses (43101: the user declined or the consent is
used up; 43004: not following the account; 40003: bad openid; a template or data error), the
channel answers ``Fallback`` and the worker sends the SMS instead. A consent is zeroed on 43101
and given back on any other failure, so a retry goes by WeChat again.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from tortoise.expressions import F

from hotline.settings import Settings
from models.citizen import Citizen
from models.wechat import SubscriptionConsent
from notify.delivery import Fallback, Message, Route, Sent, Transient

log = logging.getLogger("hotline.notify.wechat")

REFUSED = 43101  # user refused / consent used up
NOT_FOLLOWING = 43004
BAD_OPENID = 40003
RETRY_LATER = frozenset({-1, 45009, 45011, 40001, 42001})  # busy, quotas, tokens
LIMITS = {"thing": 20, "character_string": 32, "phrase": 5, "name": 10, "number": 32,
          "letter": 32, "symbol": 5, "amount": 10, "phone_number": 17, "car_number": 8}
PATHS = {"mini": "cgi-bin/message/subscribe/send", "oa": "cgi-bin/message/template/send"}


class WeChatCaller(Protocol):
    """What ``wechat.client`` offers (``call`` raising an error with ``errcode``/``errmsg``)."""

    async def call(
        self, app: str, method: str, path: str, *, json: dict[str, Any] | None = None
    ) -> dict[str, Any]: ...


def _default_caller() -> WeChatCaller:
    from wechat import client

    return client


def _cut(key: str, value: str) -> str:
    kind = key.rstrip("0123456789")
    limit = LIMITS.get(kind, 20)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def template_data(config: dict[str, Any], msg: Message) -> dict[str, dict[str, str]]:
    fields = config.get("data") or {"thing1": "{text}"}
    values = {**{k: str(v) for k, v in msg.params.items()}, "text": msg.text}
    return {key: {"value": _cut(key, str(fmt).format_map(_Missing(values)))}
            for key, fmt in fields.items()}


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


class WeChatChannel:
    def __init__(self, settings: Settings, app: str, caller: WeChatCaller | None = None) -> None:
        self.settings = settings
        self.app = app
        self.name = f"wechat_{app}"
        self.caller = caller

    def _templates(self) -> dict[str, dict[str, Any]]:
        s = self.settings
        return s.wechat_mini_templates if self.app == "mini" else s.wechat_oa_templates

    def body(self, config: dict[str, Any], msg: Message, openid: str) -> dict[str, Any]:
        params = _Missing({k: str(v) for k, v in msg.params.items()})
        body: dict[str, Any] = {
            "touser": openid, "template_id": config["id"], "data": template_data(config, msg),
        }
        if self.app == "mini":
            body["miniprogram_state"] = self.settings.wechat_mini_state
            body["lang"] = "zh_CN"
            if config.get("page"):
                body["page"] = str(config["page"]).format_map(params)
        else:
            if config.get("url"):
                body["url"] = str(config["url"]).format_map(params)
            if config.get("page") and self.settings.wechat_mini_appid:
                body["miniprogram"] = {
                    "appid": self.settings.wechat_mini_appid,
                    "pagepath": str(config["page"]).format_map(params),
                }
        return body

    async def send(self, msg: Message, route: Route) -> Sent:
        config = self._templates().get(msg.template)
        if not config or not route.address:
            raise Fallback(f"no {self.name} template for {msg.template}")
        citizen_id = route.extra.get("citizen_id")
        consent = SubscriptionConsent.filter(citizen_id=citizen_id, template_id=config["id"])
        if self.app == "mini":
            spent = await consent.filter(remaining__gt=0).update(remaining=F("remaining") - 1)
            if not spent:
                raise Fallback("no subscribe consent left", code="no_consent")
        caller = self.caller or _default_caller()
        try:
            reply = await caller.call(
                self.app, "POST", PATHS[self.app], json=self.body(config, msg, route.address)
            )
        except Exception as exc:
            errcode = getattr(exc, "errcode", "absent")
            if errcode == "absent":
                raise
            detail = f"WeChat {errcode}: {getattr(exc, 'errmsg', '')}"
            if self.app == "mini" and errcode == REFUSED:
                await consent.update(remaining=0)
            elif self.app == "mini":  # give it back: the retry goes by WeChat again (if the
                await consent.update(remaining=F("remaining") + 1)  # send did land, 43101)
            if self.app == "oa" and errcode == NOT_FOLLOWING and citizen_id:
                await Citizen.filter(id=citizen_id).update(oa_follower=False)
            if errcode is None:  # not reached, or no answer: it may have gone out
                raise Transient(detail, code="wechat_unavailable", ambiguous=True) from None
            if errcode in RETRY_LATER:
                raise Transient(detail, code=f"wechat_{errcode}") from None
            if errcode not in (REFUSED, NOT_FOLLOWING, BAD_OPENID):
                log.error("%s send of outbox row %s failed: %s", self.name, msg.id, detail)
            raise Fallback(detail, code=f"wechat_{errcode}") from None
        return Sent(self.name, str(reply.get("msgid", "")) or None, "ok")

    async def close(self) -> None:
        return None
