"""The official account (公众号) as a conversational front door.

``POST /wechat/official-account`` hands the raw body and query here (``receive``):

1. ``signature`` (sha1 of token, timestamp, nonce) must match: else 403 and nothing changes. In
   安全模式 (``encrypt_type=aes``) ``msg_signature`` must match too (403 otherwise); the body is
   decrypted with wechatpy's ``WeChatCrypto`` (HOTLINE_WECHAT_OA_TOKEN/AES_KEY/APPID) and the
   reply encrypted the same way.
2. Malformed XML, XML bombs, DTDs, undecryptable payloads and missing fields get a plain
   ``success`` (WeChat shows nothing) -- never a 500 (``wechat.oa_xml``).
3. Anything that changes state (draft steps, 提交, 取消, follow events) is handled once per
   ``MsgId`` (events: sender + CreateTime): a retry gets the recorded reply and changes nothing
   (``wechat.seen``). ``查询`` is read-only and is not recorded: a retry is answered afresh from
   the same committed state (the same text, or a newer status). Recording it would be one more
   write per query -- measured at 2.3x fewer queries/s and 3x the p99 on SQLite.

Conversation:
- ``查询 <编号>`` from the openid that filed the case, or ``查询 <编号> <查询码>`` from anyone:
  the progress in Chinese (status, public timeline, the reply). Misses are throttled per openid
  and per case (as ``GET /track``).
- 随手拍: ``随手拍 [描述]`` opens a draft; while it is open, text adds to it; images and
  locations add to it (and open one); ``提交`` files it, ``取消`` drops it (``wechat.chat``).
- ``subscribe``/``unsubscribe`` keep ``Citizen.oa_follower`` (used to pick WeChat delivery).
- any other text: a question, answered with the knowledge base's top items and their links
  (``wechat.answers``; counted once per message as a precheck, answered afresh on a retry);
  when nothing answers it, a reply saying so (file it with 随手拍, or call 12345); a text
  asking about nothing (a greeting), the help text.
- anything else: the help text with the menu.

Within WeChat's 5 s: every path touches only the database (a question: one knowledge search),
except ``提交`` (msg_sec_check, at most HOTLINE_WECHAT_CHAT_BUDGET_S = 2 s, then filed flagged
``content_unchecked``); photos are fetched in the background after the acknowledgement.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from wechatpy.crypto import WeChatCrypto

from hotline import settings as settings_mod
from models.citizen import Citizen
from wechat import answers, chat, identities, oa_xml, progress, seen
from wechat.oa_xml import BadMessage, BadSignature, Incoming

log = logging.getLogger("hotline.wechat")

HELP = (
    "您好，这里是12345政务服务便民热线。\n"
    "【查询进度】发送“查询 诉求编号”，如“查询 20261127-000123”；"
    "非本微信提交的诉求，请在编号后加空格和查询码。\n"
    "【随手拍】发送“随手拍”加问题描述，再发送现场照片和位置，最后发送“提交”。\n"
    "紧急情况请拨打110、119、120。"
)
WELCOME = "感谢关注12345政务服务便民热线！\n" + HELP
BUSY = "系统繁忙，请稍后再试。"
QUERY_HELP = "请发送“查询 诉求编号”，如“查询 20261127-000123”；非本微信提交的，请在编号后加查询码。"
_QUERY = re.compile(r"^查询[\s:：]*(\d{8}-\d{6})(?:[\s,，]+(\d{6}))?$")


@dataclass(frozen=True)
class Outcome:
    status: int
    body: str
    media_type: str = "text/plain"


FORBIDDEN = Outcome(403, "forbidden")
SUCCESS = Outcome(200, "success")


def verify_url(signature: str, timestamp: str, nonce: str, echostr: str) -> Outcome:
    """GET: WeChat checks the server URL; echo ``echostr`` when the signature matches."""
    token = settings_mod.current().wechat_oa_token
    if not oa_xml.signature_ok(token, signature, timestamp, nonce):
        return FORBIDDEN
    return Outcome(200, echostr)


@functools.lru_cache(maxsize=4)
def _crypto_for(token: str, aes_key: str, appid: str) -> WeChatCrypto:
    return WeChatCrypto(token, aes_key, appid)


def _crypto() -> WeChatCrypto:
    s = settings_mod.current()
    return _crypto_for(s.wechat_oa_token, s.wechat_oa_aes_key, s.wechat_oa_appid)


async def receive(raw: bytes, signature: str, timestamp: str, nonce: str,
                  encrypt_type: str = "", msg_signature: str = "") -> Outcome:
    s = settings_mod.current()
    if not oa_xml.signature_ok(s.wechat_oa_token, signature, timestamp, nonce):
        return FORBIDDEN
    crypto = None
    try:
        fields = oa_xml.parse_xml(raw)
        if encrypt_type.lower() == "aes":
            try:
                crypto = _crypto()
            except (AssertionError, ValueError, TypeError):
                log.error("HOTLINE_WECHAT_OA_AES_KEY is not a valid EncodingAESKey")
                return SUCCESS
            fields = oa_xml.decrypt(crypto, fields, msg_signature, timestamp, nonce)
        msg = oa_xml.incoming(fields)
    except BadSignature:
        return FORBIDDEN
    except BadMessage as exc:
        log.info("official account: ignored a message (%s)", exc)
        return SUCCESS
    try:
        text = await dispatch(msg)
    except Exception:
        log.exception("official account: handling %s from %s failed", msg.type, msg.source)
        text = BUSY
    await seen.maybe_prune(s.wechat_draft_ttl_s)
    body = oa_xml.render(msg, text, crypto, nonce)
    return Outcome(200, body, "text/plain" if body == "success" else "application/xml")


async def dispatch(msg: Incoming) -> str:
    key = msg.dedupe_key
    if msg.type == "event":
        if msg.event in ("subscribe", "unsubscribe"):
            return await follow(key, msg)
        return ""
    if msg.type == "text":
        return await on_text(key, msg)
    if msg.type == "image":
        return await chat.add_photo(key, msg.source, msg.media_id)
    if msg.type == "location":
        return await chat.add_location(key, msg.source, msg.lat, msg.lng, msg.label)
    return HELP


async def follow(key: str, msg: Incoming) -> str:
    following = msg.event == "subscribe"
    if following:
        await identities.find_or_create("openid_oa", msg.source)

    async def step(conn: BaseDBAsyncClient) -> str:
        changes: dict[str, object] = {"oa_follower": following}
        if following:
            changes["oa_followed_at"] = msg.created_at
        await Citizen.filter(openid_oa=msg.source).using_db(conn).update(**changes)
        return WELCOME if following else ""

    return (await seen.once(key, step))[0]


async def on_text(key: str, msg: Incoming) -> str:
    text = msg.content.strip()
    query = _QUERY.match(text)
    if query:  # read-only, so not recorded: a retry is answered afresh (see the docstring)
        return await progress.progress(msg.source, *query.groups())
    if text.startswith("查询"):
        return QUERY_HELP
    if text == "提交":
        return await chat.submit(key, msg.source)
    if text == "取消":
        return await chat.cancel(key, msg.source)
    if text.startswith("随手拍"):
        return await chat.add_text(key, msg.source, text.removeprefix("随手拍").strip(" ：:"))
    if text in ("帮助", "菜单", "?", "？", "help"):
        return HELP
    if text and await chat.has_draft(msg.source):
        return await chat.add_text(key, msg.source, text)
    # a question: the knowledge base's top items with links, else the menu
    reply = await answers.answer(text, openid=msg.source, message_key=key) if text else None
    return reply or HELP
