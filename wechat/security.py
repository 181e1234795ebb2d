"""Content security: WeChat's ``msg_sec_check`` (v2) on text that WeChat users submit.

``POST wxa/msg_sec_check`` with ``{content, version: 2, scene, openid}`` under the app the user
came through (mini-program: ``openid_mini``; official account / its H5 pages: ``openid_oa``).
The verdict ``result.suggest`` decides:

- ``risky``  -> refused with a polite Chinese message (422 ``content_rejected``, or a chat reply);
- ``review`` -> accepted, the case flagged ``content_review`` for staff;
- WeChat unreachable, slow (budget HOTLINE_WECHAT_CHAT_BUDGET_S), erroring, or the user has no
  openid for that app -> accepted, flagged ``content_unchecked``. A case is never lost to it.

Text longer than WeChat's 2,500 characters is checked in pieces; the worst piece decides.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from casework.intake import Submission
from hotline import settings as settings_mod
from hotline.errors import Problem
from identity.principal import Principal
from models.citizen import Citizen
from wechat import client, identities
from wechat.client import WeChatError

log = logging.getLogger("hotline.wechat")

CHUNK = 2500
REVIEW_FLAG = "content_review"
UNCHECKED_FLAG = "content_unchecked"
REFUSAL = (
    "您提交的内容含有不宜公开的信息，未能受理。请修改后重新提交；如情况紧急，请直接拨打12345。"
)
CHANNEL_APPS = {"wechat_mini": ("mini", "openid_mini"), "wechat_oa": ("oa", "openid_oa")}


@dataclass(frozen=True)
class Verdict:
    risky: bool = False
    flags: tuple[str, ...] = ()


UNCHECKED = Verdict(False, (UNCHECKED_FLAG,))


async def _check_piece(app: str, openid: str, piece: str, budget_s: float) -> str:
    data = await client.call(
        app,
        "POST",
        "wxa/msg_sec_check",
        json={
            "content": piece,
            "version": 2,
            "scene": settings_mod.current().wechat_sec_scene,
            "openid": openid,
        },
        budget_s=budget_s,
    )
    result = data.get("result")
    suggest = result.get("suggest") if isinstance(result, dict) else None
    return suggest if suggest in ("pass", "review", "risky") else "unchecked"


async def check_text(
    app: str, openid: str | None, text: str, *, budget: float | None = None
) -> Verdict:
    """The verdict on ``text`` from ``openid``, within ``budget`` seconds in all."""
    text = text.strip()
    if not text:
        return Verdict()
    if not openid:
        return UNCHECKED
    budget = budget or settings_mod.current().wechat_chat_budget_s
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget
    suggests: set[str] = set()
    for start in range(0, len(text), CHUNK):
        remaining = deadline - loop.time()
        if remaining <= 0:
            suggests.add("unchecked")
            break
        try:
            suggests.add(await _check_piece(app, openid, text[start : start + CHUNK], remaining))
        except WeChatError as exc:
            log.warning("msg_sec_check unavailable (%s %s); accepting as unchecked",
                        exc.errcode, exc.errmsg)
            suggests.add("unchecked")
        if "risky" in suggests:
            return Verdict(risky=True)
    flags = []
    if "review" in suggests:
        flags.append(REVIEW_FLAG)
    if "unchecked" in suggests:
        flags.append(UNCHECKED_FLAG)
    return Verdict(False, tuple(flags))


def refused() -> Problem:
    problem = Problem(REFUSAL, code="content_rejected", status=422)
    problem.title = "Content rejected"
    return problem


async def screen_submission(who: Principal, sub: Submission) -> None:
    """Check a WeChat user's case before intake: raises 422 when risky, else adds flags."""
    target = CHANNEL_APPS.get(sub.channel)
    if target is None or who.kind != "citizen":
        return
    app, field = target
    citizen = await Citizen.get_or_none(id=who.id)
    if citizen is not None and citizen.merged_into_id is not None:  # an old token
        citizen = await identities.resolve(citizen)
    openid = getattr(citizen, field) if citizen else None
    parts = [sub.content, sub.address or ""]
    if sub.title and not sub.content.startswith(sub.title):
        parts.insert(0, sub.title)
    verdict = await check_text(app, openid, "\n".join(p for p in parts if p))
    if verdict.risky:
        raise refused()
    sub.flags = list(dict.fromkeys([*sub.flags, *verdict.flags]))
