"""Consent, review and publishing of cases (published results).

* Consent: the citizen's ``public`` flag, given at filing (``POST /cases`` ``public``) or later
  from their own case (:func:`set_consent`). Withdrawing it unpublishes the case at once.
* Review: :func:`review` gives a publisher the original texts beside the redacted draft
  (``publishing.redact``) and the case's photos to choose from.
* Publishing: :func:`publish` by a ``publisher`` or ``supervisor`` whose scope covers the case,
  for a consenting case whose citizen has the answer (status ``answered``, ``replied``,
  ``rated`` or ``closed`` — :data:`PUBLISHABLE`). The approved texts are checked once more: a
  text in which the redaction still finds personal data is refused (422
  ``personal_data_in_text``). :func:`unpublish` deletes the publication at once. Both are
  audited (``case.publish``, ``case.unpublish``) in the same transaction.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from audit import log as audit_log
from casework.transitions import State
from hotline import generations
from hotline.crypto import decrypt
from hotline.db import flat_values, lock_first
from hotline.errors import Conflict, Forbidden, NotFound, ValidationProblem
from hotline.sqlread import fetch_scan, when
from identity.principal import Principal
from media.service import case_photos
from models.case import Case
from models.citizen import Citizen
from models.media import Photo
from models.org import Unit
from models.publishing import Publication
from publishing import queries, redact

PUBLISHER_ROLES = ("publisher", "supervisor")
PUBLISHABLE: tuple[str, ...] = (State.ANSWERED, State.REPLIED, State.RATED, State.CLOSED)
MAX_TEXT = 5000


@contextlib.asynccontextmanager
async def _changing() -> AsyncIterator[BaseDBAsyncClient]:
    """A transaction that may change what is published: when it ends, every process drops its
    cached public replies (Open311's; ``hotline.generations``, name ``publication``)."""
    try:
        async with in_transaction() as conn:
            await generations.bump(conn, generations.PUBLICATION)
            yield conn
    finally:
        generations.published(generations.PUBLICATION)


def _require_publisher(who: Principal) -> None:
    if who.kind != "staff" or not who.has_role(*PUBLISHER_ROLES):
        raise Forbidden("仅限发布审核员或督办员")


async def _case_in_scope(who: Principal, tracking_no: str) -> Case:
    case = await Case.get_or_none(tracking_no=tracking_no)
    if case is None or not who.covers(case.unit_path):
        raise NotFound("未找到该诉求")
    return case


async def known_names(case: Case) -> list[str]:
    """The names the platform holds for the case's people: always masked in its texts."""
    names = [decrypt(case.contact_name_enc) if case.contact_name_enc else None]
    if case.citizen_id is not None:
        citizen = await Citizen.get_or_none(id=case.citizen_id).only("id", "name_enc")
        if citizen is not None and citizen.name_enc:
            names.append(decrypt(citizen.name_enc))
    return [n for n in names if n]


def _why_not(case: Case) -> str | None:
    if not case.public:
        return "市民未同意公开"
    if case.status not in PUBLISHABLE:
        return "诉求尚未办结或答复"
    return None


def _original(case: Case) -> dict[str, Any]:
    return {"title": case.title, "content": case.content, "reply": case.reply_content or "",
            "address": case.address or "", "lat": case.lat, "lng": case.lng}


def draft_texts(case: Case, names: Sequence[str]) -> dict[str, Any]:
    """The redacted draft a reviewer starts from."""
    text = f"{case.title}：{case.content}" if case.title else case.content
    names = redact.names_in([text, case.reply_content or ""], names)
    return {
        "summary": redact.redact(text, names),
        "result": redact.redact(case.reply_content or "", names),
        "place": redact.street_level(case.address),
        "lat": redact.round_coordinate(case.lat),
        "lng": redact.round_coordinate(case.lng),
    }


def published_reply(p: Publication | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"public_id": p.public_id, "summary": p.summary, "result": p.result,
            "photo_ids": list(p.photo_ids), "place": p.place,
            "published_at": p.published_at.astimezone(UTC).isoformat()}


async def review(who: Principal, tracking_no: str) -> dict[str, Any]:
    """The original beside the redacted draft, the case's photos, and what is published now."""
    _require_publisher(who)
    case = await _case_in_scope(who, tracking_no)
    names = await known_names(case)
    reason = _why_not(case)
    current = await Publication.get_or_none(case_id=case.id)
    return {
        "tracking_no": case.tracking_no,
        "status": case.status,
        "consent": case.public,
        "publishable": reason is None,
        "reason": reason,
        "original": _original(case),
        "draft": draft_texts(case, names),
        "photos": await case_photos(case, who),
        "published": published_reply(current),
    }


def check_text(label: str, text: str, names: Sequence[str]) -> str:
    """An approved text: not empty, and nothing the redaction still recognises in it."""
    text = text.strip()
    if not text:
        raise ValidationProblem(f"{label}不能为空", code="validation_error")
    if len(text) > MAX_TEXT:
        raise ValidationProblem(f"{label}不能超过 {MAX_TEXT} 字", code="validation_error")
    left = redact.find(text, names)
    if left:
        kinds = "、".join(sorted({s.kind for s in left}))
        raise ValidationProblem(f"{label}仍含个人信息（{kinds}），请脱敏后再发布",
                                code="personal_data_in_text")
    return text


async def _approved_photos(case: Case, photo_ids: Sequence[int]) -> list[int]:
    wanted = list(dict.fromkeys(photo_ids))
    if not wanted:
        return []
    found = set(await flat_values(Photo.filter(id__in=wanted, case_id=case.id), "id"))
    missing = [p for p in wanted if p not in found]
    if missing:
        raise ValidationProblem(f"照片不属于该诉求：{missing}", code="invalid_photo")
    return wanted


async def _unit_name(case: Case) -> str:
    unit = await Unit.get_or_none(path=case.unit_path).only("id", "name")
    return unit.name if unit is not None else ""


async def publish(
    who: Principal, tracking_no: str, *, summary: str, result: str,
    photo_ids: Sequence[int] = (),
) -> dict[str, Any]:
    """Publish (or republish with new texts) a consenting, answered case."""
    _require_publisher(who)
    case = await _case_in_scope(who, tracking_no)
    names = await known_names(case)
    summary = check_text("摘要", summary, names)
    result = check_text("办理结果", result, names)
    photos = await _approved_photos(case, photo_ids)
    unit_name = await _unit_name(case)
    now = datetime.now(UTC)
    async with _changing() as conn:
        locked = await lock_first(conn, Case, id=case.id)
        if locked is None:
            raise NotFound("未找到该诉求")
        reason = _why_not(locked)
        if reason is not None:
            raise Conflict(reason, code="not_publishable")
        city, county = queries.region_levels(locked.region_id)
        fields = {
            "kind": locked.kind, "category_code": locked.category_id,
            "region_code": locked.region_id, "unit_name": unit_name,
            "city_code": city, "county_code": county,
            "place": redact.street_level(locked.address),
            "lat": redact.round_coordinate(locked.lat),
            "lng": redact.round_coordinate(locked.lng),
            "summary": summary, "result": result, "photo_ids": photos,
            "submitted_at": locked.created_at, "published_at": now, "published_by": who.id,
            "closed": True,  # publishable means answered (PUBLISHABLE)
        }
        current = await lock_first(conn, Publication, case_id=locked.id)
        if current is None:
            current = await Publication.create(
                using_db=conn, case_id=locked.id, public_id=secrets.token_hex(6), **fields
            )
        else:
            await current.update_from_dict(fields).save(using_db=conn)
        await audit_log.record(
            conn, who, "case.publish", locked.tracking_no, scope_path=locked.unit_path,
            after={"public_id": current.public_id, "photo_ids": photos,
                   "summary": summary, "result": result},
        )
    out = published_reply(current)
    assert out is not None
    return out


async def _withdraw(conn: BaseDBAsyncClient, who: Principal, case: Case, reason: str) -> bool:
    current = await lock_first(conn, Publication, case_id=case.id)
    if current is None:
        return False
    await current.delete(using_db=conn)
    await audit_log.record(conn, who, "case.unpublish", case.tracking_no,
                           scope_path=case.unit_path,
                           before={"public_id": current.public_id}, after={"reason": reason})
    return True


async def unpublish(who: Principal, tracking_no: str) -> dict[str, Any]:
    """Take a case off every public path at once (idempotent)."""
    _require_publisher(who)
    case = await _case_in_scope(who, tracking_no)
    async with _changing() as conn:
        await _withdraw(conn, who, case, "staff")
    return {"tracking_no": case.tracking_no, "published": False}


async def set_consent(who: Principal, tracking_no: str, public: bool) -> None:
    """The citizen gives or withdraws consent on their own case; withdrawing unpublishes it."""
    if who.kind != "citizen":
        raise Forbidden("仅限提交人本人")
    async with _changing() as conn:
        case = await lock_first(conn, Case, tracking_no=tracking_no)
        if case is None or case.citizen_id != who.id:
            raise NotFound("未找到该诉求")
        case.public = public
        await case.save(using_db=conn, update_fields=["public", "updated_at"])
        if not public:
            await _withdraw(conn, who, case, "consent_withdrawn")


async def review_queue(
    who: Principal, *, published: bool, limit: int = 50
) -> list[dict[str, Any]]:
    """Consenting, answered cases of the caller's scope, newest first: those waiting for review
    (``published=False``) or those published."""
    _require_publisher(who)
    marks = ", ".join("?" * len(PUBLISHABLE))
    rows = await fetch_scan(
        "SELECT c.tracking_no, c.title, c.content, c.category_id, c.status, c.created_at "
        'FROM "case" c LEFT JOIN publication p ON p.case_id = c.id '
        f"WHERE c.public = ? AND c.status IN ({marks}) AND c.unit_path LIKE ? "
        f"AND p.id IS {'NOT ' if published else ''}NULL ORDER BY c.id DESC LIMIT {int(limit)}",
        [True, *PUBLISHABLE, f"{who.unit_path or '/'}%"],
    )
    return [r | {"created_at": when(r["created_at"])} for r in rows]
