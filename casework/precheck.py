"""Answers before filing (``POST /cases/precheck``) and deflections (``POST /kb/deflections``).

A citizen (app, mini-program) or a kiosk about to file sends the draft; the reply carries the
knowledge items answering it (consultations only: a complaint or a report is not answered by a
service guide) and the open cases like it (``casework.similar``, every kind), plus a
``precheck_id``. The client shows them; the citizen files anyway (``POST /cases`` with the
same ``precheck_id``: the precheck is marked filed) or says an item solved the problem (a
deflection, recorded once per precheck: a retry, or another item named later, changes
nothing). Only what the statistics need is kept: kind, category, channel, the items offered,
never the draft's text.

Questions asked in the official account's chat (``wechat.answers``) count as prechecks of
consultations too (channel ``wechat_oa``, no category, the platform's root unit), once per
message; they are never deflected or filed (the chat has no such step).

Statistics (``casework.stats``): prechecks of consultations received in the period within the
scope (``unit_path``: the kiosk's unit, else the platform's root unit, like an undispatched
case), how many were offered an item, deflected, and filed anyway.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime
from typing import Any

from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError

from casework import reference, similar
from casework.queues import db_time
from hotline.db import dialect_sql
from hotline.errors import Conflict, NotFound, field_problem
from hotline.timefmt import iso
from identity.principal import Principal
from knowledge import links, search
from models.knowledge import KbItem, KbPrecheck, KbState

log = logging.getLogger("hotline.precheck")

KB_ITEMS = 3  # items offered with a draft
KB_KINDS = frozenset({"consultation"})  # the kinds the knowledge base answers


async def precheck(
    who: Principal,
    *,
    kind: str,
    category_code: str,
    title: str | None,
    content: str,
    lat: float | None = None,
    lng: float | None = None,
) -> dict[str, Any]:
    """``{precheck_id, kb: [...], similar: [...]}`` for a draft, and the precheck recorded."""
    problem = await reference.category_problem(kind, category_code)
    if problem is not None:  # the same 422s as filing, each naming its field
        raise field_problem(*problem)
    text = f"{title or ''} {content}".strip()
    hits = await search.search(text, limit=KB_ITEMS) if kind in KB_KINDS else []
    kb = [hit | {"url": links.item_url(hit["id"])} for hit in hits]
    near = await similar.similar(category_code=category_code, lat=lat, lng=lng, q=text)
    root = await reference.platform_unit()
    token = secrets.token_urlsafe(16)  # 22 characters
    await KbPrecheck.create(
        token=token, owner=who.scope_key, channel=who.channel or "app", kind=kind,
        category_code=category_code,
        unit_path=who.unit_path if who.kind == "device" and who.unit_path else root.path,
        kb_item_ids=[hit["id"] for hit in hits], similar_count=len(near["items"]),
        created_at=datetime.now(UTC),
    )
    return {"precheck_id": token, "kb": kb, "similar": near["items"]}


async def record_question(owner: str, message_key: str, kb_item_ids: list[int]) -> None:
    """A question asked in the official account's chat (``wechat.answers``), counted as a
    precheck of a consultation: channel ``wechat_oa``, no category, the platform's root unit,
    the items the reply listed. ``owner`` is the asker's ``citizen:<id>`` (or ``wechat_oa``
    for an openid bound to no citizen). Once per message: WeChat's retry of the same message
    is answered again but not counted again (the token is a hash of the message's key)."""
    token = "oa" + hashlib.sha256(message_key.encode()).hexdigest()[:30]
    root = await reference.platform_unit()
    try:
        await KbPrecheck.create(
            token=token, owner=owner, channel="wechat_oa", kind="consultation",
            category_code="", unit_path=root.path, kb_item_ids=kb_item_ids,
            created_at=datetime.now(UTC),
        )
    except IntegrityError:
        pass  # this message was counted already


async def _own(who: Principal, token: str) -> KbPrecheck:
    found = await KbPrecheck.get_or_none(token=token, owner=who.scope_key)
    if found is None:  # someone else's is unknown too
        raise NotFound("未找到该次提交前查询", code="precheck_not_found")
    return found


def _deflection(p: KbPrecheck) -> dict[str, Any]:
    return {"precheck_id": p.token, "kb_item_id": p.deflected_item_id, "deflected": True,
            "at": iso(p.deflected_at)}


async def deflect(who: Principal, token: str, kb_item_id: int) -> dict[str, Any]:
    """Record that ``kb_item_id`` answered the precheck and the citizen did not file, and
    return the deflection. Once per precheck: a retry gets the first one; a filed precheck
    is 409."""
    p = await _own(who, token)
    if p.deflected_at is None and p.case_id is None:
        if not await KbItem.exists(id=kb_item_id, state=KbState.published):
            raise field_problem("kb_item_id", "知识条目不存在或未发布", "unknown_kb_item")
        await KbPrecheck.filter(
            id=p.id, deflected_at__isnull=True, case_id__isnull=True
        ).update(deflected_item_id=kb_item_id, deflected_at=datetime.now(UTC))
        p = await KbPrecheck.get(id=p.id)
    if p.deflected_at is not None:
        return _deflection(p)  # this call's, or an earlier one's: counted once
    raise Conflict("该诉求已提交，不再计为“已解决”", code="already_filed")


async def mark_filed(who: Principal, token: str | None, case_id: int) -> None:
    """A case was filed after the precheck ``token`` (the caller's own; else ignored). The
    case is already acknowledged: a failure here is logged, never raised."""
    if not token:
        return
    try:
        await KbPrecheck.filter(token=token, owner=who.scope_key, case_id__isnull=True).update(
            case_id=case_id, filed_at=datetime.now(UTC)
        )
    except Exception:
        log.exception("could not mark precheck %s filed", token[:8])


_STATS_SQL = (
    "SELECT COUNT(*) AS prechecks, "
    # an empty JSON list is '[]' as SQLite's text and as PostgreSQL's jsonb alike
    "SUM(CASE WHEN kb_item_ids <> '[]' THEN 1 ELSE 0 END) AS offered, "
    "SUM(CASE WHEN deflected_at IS NOT NULL AND case_id IS NULL THEN 1 ELSE 0 END) AS deflected, "
    "SUM(CASE WHEN case_id IS NOT NULL THEN 1 ELSE 0 END) AS filed "
    "FROM kb_precheck WHERE created_at >= ? AND created_at < ? AND kind IN ({kinds}){scope}"
)


async def stats(start: datetime, end: datetime, scope_clause: str,
                scope_params: list[Any]) -> dict[str, Any]:
    """``{prechecks, offered, deflected, filed, deflection_rate}`` of consultations prechecked
    in ``[start, end)`` within the scope (``casework.queues.scope_sql``)."""
    conn = get_connection("default")
    kinds = ", ".join(f"'{k}'" for k in sorted(KB_KINDS))
    sql = dialect_sql(conn, _STATS_SQL.format(kinds=kinds, scope=scope_clause))
    row = (await conn.execute_query_dict(
        sql, [db_time(conn, start), db_time(conn, end), *scope_params]
    ))[0]
    prechecks = int(row["prechecks"] or 0)
    deflected = int(row["deflected"] or 0)
    return {
        "prechecks": prechecks,
        "offered": int(row["offered"] or 0),
        "deflected": deflected,
        "filed": int(row["filed"] or 0),
        "deflection_rate": round(deflected / prechecks, 4) if prechecks else None,
    }
