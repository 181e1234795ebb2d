"""The official account's server URL (outside /api/v1): WeChat's signature check and messages.

The body is read raw (XML, plain or 安全模式) and everything is decided in
``wechat.official_account``: 403 for a wrong signature, ``success`` for anything unreadable,
otherwise the passive reply.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app_api.schemas.inputs import Line
from app_api.schemas.problem import problems
from hotline import settings as settings_mod
from hotline.errors import NotFound
from wechat import official_account as oa

router = APIRouter(tags=["wechat"])
PATH = "/wechat/official-account"

_TEXT = {"text/plain": {"schema": {"type": "string"}}}
_VERIFY_DOC = {
    200: {"description": "签名正确：原样返回 echostr", "content": _TEXT},
    403: {"description": "签名错误（纯文本 forbidden）", "content": _TEXT},
    **problems(404),
}
_RECEIVE_DOC = {
    200: {
        "description": "被动回复：XML（明文或安全模式），无须回复或无法解析时为纯文本 success",
        "content": {**_TEXT, "application/xml": {"schema": {"type": "string"}}},
    },
    403: {"description": "签名错误（纯文本 forbidden）", "content": _TEXT},
    **problems(404),
}


def _configured() -> None:
    if not settings_mod.current().wechat_oa_token:
        raise NotFound("未配置微信公众号")


def _reply(outcome: oa.Outcome) -> Response:
    return Response(
        outcome.body, status_code=outcome.status, media_type=outcome.media_type,
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.get(PATH, response_class=Response, responses=_VERIFY_DOC)
async def verify(
    signature: Annotated[Line, Query(max_length=64)] = "",
    timestamp: Annotated[Line, Query(max_length=16)] = "",
    nonce: Annotated[Line, Query(max_length=64)] = "",
    echostr: Annotated[Line, Query(max_length=128)] = "",
) -> Response:
    """WeChat's server-URL check: ``echostr`` back when the signature matches, else 403."""
    _configured()
    return _reply(oa.verify_url(signature, timestamp, nonce, echostr))


@router.post(PATH, response_class=Response, responses=_RECEIVE_DOC)
async def receive(
    request: Request,
    signature: Annotated[Line, Query(max_length=64)] = "",
    timestamp: Annotated[Line, Query(max_length=16)] = "",
    nonce: Annotated[Line, Query(max_length=64)] = "",
    encrypt_type: Annotated[Line, Query(max_length=16)] = "",
    msg_signature: Annotated[Line, Query(max_length=64)] = "",
) -> Response:
    """A message or event pushed by WeChat (XML); answered with the passive reply."""
    _configured()
    raw = await request.body()
    outcome = await oa.receive(raw, signature, timestamp, nonce, encrypt_type, msg_signature)
    return _reply(outcome)
