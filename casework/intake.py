"""Case intake on every channel: validate, then file (casework.filing commits case, first event
and outbox message at once, in batches under load)."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from casework import filing, precheck, reference, schedule, search_index, views
from casework.calendar_store import load_calendar
from hotline import rows
from hotline.crypto import decrypt, encrypt, lookup_hash
from hotline.errors import Conflict, ValidationProblem
from hotline.timefmt import SHANGHAI
from identity.phones import normalize_contact_phone
from identity.principal import Principal
from media import service as media_service
from models.case import Case
from models.ops import IdempotencyRecord

log = logging.getLogger("hotline.intake")


@dataclass
class Submission:
    kind: str
    category_code: str
    content: str
    channel: str
    title: str = ""
    lat: float | None = None
    lng: float | None = None
    address: str | None = None
    region_code: str | None = None
    occurred_at: datetime | None = None
    photo_ids: list[int] = field(default_factory=list)
    anonymous: bool = False
    confidential: bool = False
    public: bool = False
    contact_phone: str | None = None
    contact_name: str | None = None
    flags: list[str] = field(default_factory=list)  # e.g. content checks: stored in Case.flags
    precheck_id: str | None = None  # POST /cases/precheck before it: marked filed (after commit)


def request_fingerprint(path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{path}\n{canonical}".encode()).hexdigest()


async def replay(scope: str, key: str, fingerprint: str) -> tuple[int, dict[str, Any]] | None:
    """The stored reply for a retried request, or None. A reused key with another body is 409."""
    rec = await IdempotencyRecord.get_or_none(scope=scope, key=key)
    if rec is None:
        return None
    if rec.request_hash != fingerprint:
        raise Conflict("同一 Idempotency-Key 已用于不同的请求", code="idempotency_key_reused")
    return rec.status_code, json.loads(decrypt(rec.body_enc) or "{}")


async def _validate(sub: Submission) -> None:
    problem = await reference.category_problem(sub.kind, sub.category_code)
    if problem is not None:
        _, message, code = problem
        raise ValidationProblem(message, code=code)
    if sub.region_code and not await reference.region_exists(sub.region_code):
        raise ValidationProblem("行政区划代码不存在", code="unknown_region")
    if (sub.lat is None) != (sub.lng is None):
        raise ValidationProblem("位置须同时包含经度和纬度", code="invalid_location")
    if sub.lat is not None and sub.lng is not None and not in_china(sub.lat, sub.lng):
        raise ValidationProblem("位置不在中国境内", code="location_outside_china")
    if sub.occurred_at is not None:
        if sub.occurred_at.tzinfo is None:
            sub.occurred_at = sub.occurred_at.replace(tzinfo=SHANGHAI)
        if sub.occurred_at > datetime.now(UTC) + timedelta(minutes=10):
            raise ValidationProblem("发生时间不能晚于现在", code="invalid_occurred_at")
    if sub.contact_phone:
        sub.contact_phone = normalize_contact_phone(sub.contact_phone)
    if not sub.content.strip():
        raise ValidationProblem("诉求内容不能为空", code="empty_content")


# A generous box around mainland China, Hainan and the South China Sea islands.
CHINA_LAT = (3.8, 53.6)
CHINA_LNG = (73.5, 135.1)


def in_china(lat: float, lng: float) -> bool:
    return CHINA_LAT[0] <= lat <= CHINA_LAT[1] and CHINA_LNG[0] <= lng <= CHINA_LNG[1]


async def submit(
    principal: Principal,
    sub: Submission,
    *,
    idempotency_key: str | None = None,
    fingerprint: str = "",
    linked: Callable[[BaseDBAsyncClient, int], Awaitable[None]] | None = None,
) -> tuple[int, dict[str, Any]]:
    """File a case. Returns (status, reply). Retrying with the same key returns the first reply.
    ``linked(conn, case_id)`` writes the caller's own rows in the filing's transaction."""
    if idempotency_key:
        replayed = await replay(principal.scope_key, idempotency_key, fingerprint)
        if replayed is not None:
            return replayed
    ready = await prepare(principal, sub, idempotency_key=idempotency_key, fingerprint=fingerprint)
    ready.linked = linked
    try:
        reply = await filing.file(ready)
    except IntegrityError:
        # a concurrent retry with the same key committed first: answer with its result
        if idempotency_key:
            replayed = await replay(principal.scope_key, idempotency_key, fingerprint)
            if replayed is not None:
                return replayed
        raise
    await _auto_dispatch(sub, reply["tracking_no"])
    await precheck.mark_filed(principal, sub.precheck_id, reply["id"])
    return 201, reply


async def prepare(
    principal: Principal,
    sub: Submission,
    *,
    idempotency_key: str | None = None,
    fingerprint: str = "",
) -> filing.Filing:
    """Check a submission and build its filing, writing nothing (422 for what is wrong)."""
    await _validate(sub)
    sub.photo_ids = await media_service.check_attachable(principal, sub.photo_ids)
    root = await reference.platform_unit()
    cal = await load_calendar()
    now = datetime.now(UTC)
    phone = sub.contact_phone  # else the citizen's own, looked up when the case is filed
    row = rows.new_row(
        Case,
        tracking_no="",
        query_code_hash="",
        kind=sub.kind,
        category_id=sub.category_code,
        channel=sub.channel,
        status="submitted",
        title=sub.title,
        content=sub.content,
        lat=sub.lat,
        lng=sub.lng,
        address=sub.address,
        region_id=sub.region_code,
        occurred_at=sub.occurred_at,
        photo_ids=sub.photo_ids,
        flags=list(sub.flags),
        anonymous=sub.anonymous,
        confidential=sub.confidential,
        public=sub.public,
        citizen_id=principal.id if principal.kind == "citizen" else None,
        device_id=principal.id if principal.kind == "device" else None,
        operator_id=principal.id if principal.kind == "staff" else None,
        contact_phone_enc=encrypt(phone),
        contact_phone_hash=lookup_hash(phone) if phone else None,
        contact_name_enc=encrypt(sub.contact_name),
        unit_path=root.path,
        created_at=now,
        updated_at=now,
    )
    draft = SimpleNamespace(**row)
    schedule.set_due(cast(Case, draft), cal, "dispatch", "dispatch", now)
    schedule.refresh_next(cast(Case, draft))
    return filing.Filing(
        submitter=principal,
        row=vars(draft),
        query_code=f"{secrets.randbelow(1_000_000):06d}",
        note=f"诉求已受理（{views.CHANNEL_LABELS.get(sub.channel, sub.channel)}）",
        now=now,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        search_texts=search_index.texts(sub.title, sub.content, sub.address),
    )


async def _auto_dispatch(sub: Submission, tracking_no: str) -> None:
    """Categories marked for auto-dispatch go straight to the routed unit, after the commit.

    If routing finds no unit, or the dispatch fails, the case simply waits for a dispatcher:
    the submission itself is already committed and acknowledged.
    """
    cat = (await reference.categories())[sub.category_code]
    if not cat.auto_dispatch:
        return
    from casework import lifecycle, routing

    unit = await routing.suggest_unit(sub.category_code, sub.region_code)
    if unit is None:
        return
    try:
        await lifecycle.perform(
            lifecycle.SYSTEM,
            tracking_no,
            "dispatch",
            {"unit_id": unit.id, "procedure": cat.default_procedure},
        )
    except Exception:  # never fail an acknowledged submission
        log.exception(
            "auto-dispatch of %s to unit %s failed; left for a dispatcher", tracking_no, unit.id
        )
