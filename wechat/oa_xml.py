"""The official account's wire format: signatures, safe XML, 安全模式, passive text replies.

wechatpy does the cryptography (``WeChatCrypto``, ``WeChatSigner``) and renders replies
(``TextReply``). Parsing is ours: wechatpy's ``parse_message`` trusts its input (KeyError on a
missing ``MsgType``, ValueError on a non-numeric ``MsgId``, and ``TextReply`` puts text in CDATA
without escaping ``]]>``). xmltodict 1.0 already refuses entity declarations, and on top of that
a body must be UTF-8, at most ``MAX_CHARS`` long, and carry no DTD at all -- WeChat never sends
one, so billion-laughs, quadratic-blowup and external-entity payloads are refused before expat
sees them. Everything refused raises ``BadMessage``; a wrong signature raises ``BadSignature``.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

MAX_CHARS = 64 * 1024
_DTD = re.compile(r"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NONCE = re.compile(r"^[A-Za-z0-9]{1,64}$")


class BadMessage(Exception):
    pass


class BadSignature(Exception):
    pass


def signature_ok(token: str, signature: str, timestamp: str, nonce: str) -> bool:
    if not (token and signature and timestamp and nonce):
        return False
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce)
    # bytes: compare_digest refuses str with non-ASCII characters (a TypeError, not a False)
    return hmac.compare_digest(signer.signature.encode(), signature.encode("utf-8", "replace"))


def parse_xml(raw: bytes | str) -> dict[str, Any]:
    """The children of ``<xml>`` as a dict; ``BadMessage`` for anything else."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadMessage("body is not UTF-8") from None
    if not raw.strip() or len(raw) > MAX_CHARS:
        raise BadMessage("empty or oversized body")
    if _DTD.search(raw):
        raise BadMessage("DTDs are refused")
    try:
        doc = xmltodict.parse(raw, disable_entities=True)
    except (ExpatError, ValueError) as exc:
        raise BadMessage(f"malformed XML: {exc}") from None
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise BadMessage("no <xml> root element")
    return root


def decrypt(crypto: WeChatCrypto, outer: dict[str, Any], msg_signature: str, timestamp: str,
            nonce: str) -> dict[str, Any]:
    encrypted = outer.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise BadMessage("no Encrypt element")
    try:
        inner = crypto.decrypt_message({"Encrypt": encrypted}, msg_signature, timestamp, nonce)
    except InvalidSignatureException:
        raise BadSignature() from None
    except Exception as exc:  # bad base64, padding, appid: not from WeChat for this account
        raise BadMessage(f"cannot decrypt: {type(exc).__name__}") from None
    return parse_xml(inner)


def _text(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    return value if isinstance(value, str) else ""


def _float(fields: dict[str, Any], name: str) -> float | None:
    try:
        value = float(_text(fields, name))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


@dataclass(frozen=True)
class Incoming:
    """One message or event pushed by WeChat, validated."""

    type: str  # text, image, location, voice, ..., event
    source: str  # the citizen's openid (FromUserName)
    target: str  # our account (ToUserName)
    create_time: int
    msg_id: str | None = None
    event: str = ""
    content: str = ""
    media_id: str = ""
    lat: float | None = None
    lng: float | None = None
    label: str = ""

    @property
    def dedupe_key(self) -> str:
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"evt:{self.source}:{self.create_time}:{self.event}"[:128]

    @property
    def created_at(self) -> datetime:
        return datetime.fromtimestamp(self.create_time, UTC)


def incoming(fields: dict[str, Any]) -> Incoming:
    msg_type = _text(fields, "MsgType").lower()
    source, target = _text(fields, "FromUserName"), _text(fields, "ToUserName")
    if not msg_type or not _ID.match(source) or not _ID.match(target):
        raise BadMessage("missing MsgType, FromUserName or ToUserName")
    created = _text(fields, "CreateTime")
    msg_id = _text(fields, "MsgId") or None
    if not created.isdigit() or len(created) > 12 or (msg_id and not msg_id.isdigit()):
        raise BadMessage("bad CreateTime or MsgId")
    return Incoming(
        type=msg_type,
        source=source,
        target=target,
        create_time=int(created),
        msg_id=msg_id[:64] if msg_id else None,
        event=_text(fields, "Event").lower()[:32],
        content=_text(fields, "Content")[:2000],
        media_id=_text(fields, "MediaId")[:128],
        lat=_float(fields, "Location_X"),
        lng=_float(fields, "Location_Y"),
        label=_text(fields, "Label")[:255],
    )


def _cdata_safe(text: str) -> str:
    return text.replace("]]>", "]]]]><![CDATA[>")


def render(msg: Incoming, text: str, crypto: WeChatCrypto | None, nonce: str) -> str:
    """The passive reply: ``success`` for nothing to say, else a text reply (encrypted in aes)."""
    if not text:
        return "success"
    xml = TextReply(source=msg.target, target=msg.source, content=_cdata_safe(text)).render()
    if crypto is None:
        return str(xml)
    if not _NONCE.match(nonce):
        nonce = secrets.token_hex(8)
    return str(crypto.encrypt_message(xml, nonce, str(int(time.time()))))
