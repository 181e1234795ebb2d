"""Supervision notices (督办/督查通报) in the open.

A supervisor writes a notice about a unit of their scope — a title, a text, and the cases it
concerns (the cases supervised with ``POST /staff/cases/{no}/supervise``, by tracking number) —
and publishes or withdraws it. The title and text are checked like a publication's texts (no
personal data the redaction still finds: 422 ``personal_data_in_text``); the public list shows
the unit's name, the texts, how many cases the notice concerns and the public ids of those
that are published. Every write is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from audit import log as audit_log
from hotline.errors import Forbidden, NotFound, ValidationProblem
from hotline.timefmt import iso
from identity.principal import Principal
from models.case import Case
from models.org import Unit
from models.publishing import Publication, SupervisionNotice
from publishing.service import check_text

MAX_CASES = 200


def _require_supervisor(who: Principal) -> None:
    if who.kind != "staff" or not who.has_role("supervisor"):
        raise Forbidden("仅限督办员")


async def _reply(n: SupervisionNotice, unit_name: str | None = None) -> dict[str, Any]:
    if unit_name is None:
        unit = await Unit.get_or_none(id=n.unit_id).only("id", "name")
        unit_name = unit.name if unit else ""
    public_ids = await Publication.filter(case_id__in=list(n.case_ids) or [0]).values_list(
        "public_id", flat=True)
    return {
        "id": n.id, "at": iso(n.published_at or n.created_at), "unit": {"name": unit_name},
        "title": n.title, "text": n.text, "cases": len(n.case_ids),
        "public_ids": sorted(str(p) for p in public_ids),
        "published": n.published_at is not None,
    }


async def create(
    who: Principal, *, unit_id: int, title: str, text: str, tracking_nos: Sequence[str],
    publish: bool,
) -> dict[str, Any]:
    _require_supervisor(who)
    unit = await Unit.get_or_none(id=unit_id)
    if unit is None or not who.covers(unit.path):
        raise NotFound("未找到该单位")
    title = check_text("标题", title, [])
    text = check_text("通报内容", text, [])
    nos = list(dict.fromkeys(tracking_nos))[:MAX_CASES]
    cases = await Case.filter(tracking_no__in=nos).only("id", "tracking_no", "unit_path")
    known = {c.tracking_no: c for c in cases if who.covers(c.unit_path)}
    missing = [no for no in nos if no not in known]
    if missing:
        raise ValidationProblem(f"未找到诉求：{missing}", code="unknown_case")
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        notice = await SupervisionNotice.create(
            using_db=conn, unit_id=unit.id, title=title, text=text,
            case_ids=[known[no].id for no in nos], created_at=now, created_by=who.id,
            published_at=now if publish else None,
        )
        await audit_log.record(conn, who, "supervision_notice.create", f"notice:{notice.id}",
                               scope_path=unit.path,
                               after={"title": title, "cases": nos, "published": publish})
    return await _reply(notice, unit.name)


async def set_published(who: Principal, notice_id: int, published: bool) -> dict[str, Any]:
    _require_supervisor(who)
    async with in_transaction() as conn:
        notice = await SupervisionNotice.get_or_none(id=notice_id, using_db=conn)
        unit = await Unit.get_or_none(id=notice.unit_id) if notice else None
        if notice is None or unit is None or not who.covers(unit.path):
            raise NotFound("未找到该通报")
        notice.published_at = datetime.now(UTC) if published else None
        await notice.save(using_db=conn, update_fields=["published_at"])
        action = "supervision_notice.publish" if published else "supervision_notice.unpublish"
        await audit_log.record(conn, who, action, f"notice:{notice.id}", scope_path=unit.path)
    return await _reply(notice, unit.name)


async def staff_list(who: Principal) -> dict[str, Any]:
    _require_supervisor(who)
    notices = await SupervisionNotice.all().order_by("-id").limit(100)
    units = {u.id: u for u in await Unit.filter(id__in=[n.unit_id for n in notices] or [0])}
    return {"items": [await _reply(n, units[n.unit_id].name) for n in notices
                      if n.unit_id in units and who.covers(units[n.unit_id].path)]}


async def public_list(limit: int = 50) -> dict[str, Any]:
    """Published notices, newest first."""
    notices = await SupervisionNotice.filter(published_at__not_isnull=True).order_by(
        "-published_at").limit(limit)
    units = {u.id: u.name for u in await Unit.filter(id__in=[n.unit_id for n in notices] or [0])}
    items = []
    for n in notices:
        reply = await _reply(n, units.get(n.unit_id, ""))
        items.append({k: reply[k] for k in ("at", "unit", "title", "text", "cases", "public_ids")})
    return {"items": items}
