"""Reading cases: by owner, by staff scope, and the public tracker."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from casework import deadlines, reads, views
from casework.reads import CaseRow
from hotline import cursors, ratelimit
from hotline import settings as settings_mod
from hotline.crypto import lookup_hash
from hotline.errors import NotFound, RateLimited, ValidationProblem
from hotline.sqlread import Check, fetch, fetch_if, when
from hotline.timefmt import iso_stored
from identity.principal import Principal
from identity.tokens import session_ended
from media import service as media_service
from models.case import Case
from models.org import Unit

M = TypeVar("M", bound=Model)
TRACK_LOCKED = "查询错误次数过多，该编号已被暂时锁定，请稍后再试"


def encode_cursor(value: int, tag: str = "") -> str:
    """A signed cursor (``hotline.cursors``) after id ``value`` in the list ``tag``."""
    return cursors.sign(tag or "c", value)


def decode_cursor(cursor: str | None, tag: str = "") -> int | None:
    """The id a cursor points after; an edited cursor, another list's or garbage is a 422."""
    if not cursor:
        return None
    (value,) = cursors.read(cursor, tag or "c", 1)
    return value


async def newest_first(
    query: QuerySet[M], limit: int, cursor: str | None, tag: str = ""
) -> tuple[list[M], str | None]:
    """One page of ``query`` by descending id (keyset), and the cursor of the next page."""
    before = decode_cursor(cursor, tag)
    if before is not None:
        query = query.filter(id__lt=before)
    rows = await query.order_by("-id").limit(limit + 1)
    page = rows[:limit]
    more = len(rows) > limit
    return page, encode_cursor(page[-1].pk, tag) if more else None


def can_read(viewer: Principal, case: Case | CaseRow) -> bool:
    if viewer.kind == "citizen":
        return case.citizen_id == viewer.id
    if viewer.kind == "staff":
        return viewer.covers(case.unit_path)
    if viewer.kind == "device":
        return case.device_id == viewer.id
    if viewer.kind == "partner":  # a unit's OA system: the cases dispatched into its unit
        return viewer.covers(case.unit_path)
    return False


async def unit_ref(unit_id: int | None) -> dict[str, Any] | None:
    if unit_id is None:
        return None
    unit = await Unit.get_or_none(id=unit_id).only("id", "name")
    return {"id": unit.id, "name": unit.name} if unit else None


async def read_case(viewer: Principal, tracking_no: str,
                    check: Check | None = None) -> dict[str, Any]:
    """The full case for a reader allowed to see it; anyone else gets 404, not 403.
    ``check``: the caller's session check, run with the read (a 401 if it fails)."""
    case, events = await reads.case_with_events(tracking_no, check=check)
    if case is None or not can_read(viewer, case):
        raise NotFound("未找到该诉求")
    unit = {"id": case.unit_id, "name": case.unit_name} if case.unit_name is not None else None
    # photos are attached only at filing, listed in photo_ids: none listed, none to look up
    photos = await media_service.case_photos(case, viewer) if case.photo_ids else []
    return views.case_view(
        case, events, viewer=viewer, now=datetime.now(UTC), unit=unit, photos=photos
    )


def summary(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A line of the citizen's list, from a row of :data:`MINE_SQL`."""
    next_due_at = when(row["next_due_at"])
    return {
        "id": row["id"],
        "tracking_no": row["tracking_no"],
        "kind": row["kind"],
        "category_code": row["category_id"],
        "channel": row["channel"],
        "status": row["status"],
        "status_label": views.STATUS_LABELS.get(row["status"], row["status"]),
        "title": row["title"],
        "content": row["content"],
        "created_at": iso_stored(row["created_at"]),
        "next_due_at": iso_stored(row["next_due_at"]),
        "light": deadlines.light(now, next_due_at, when(row["warn_at"])),
    }


# newest first by the (citizen_id, id) index; content cut to its first 100 characters
_MINE_COLUMNS = (
    "SELECT id, tracking_no, kind, category_id, channel, status, title, "
    'substr(content, 1, 100) AS content, created_at, next_due_at, warn_at FROM "case" '
    "WHERE citizen_id = ?"
)
MINE_SQL = _MINE_COLUMNS + " ORDER BY id DESC LIMIT ?"
MINE_AFTER_SQL = _MINE_COLUMNS + " AND id < ? ORDER BY id DESC LIMIT ?"


async def my_cases(viewer: Principal, limit: int, cursor: str | None,
                   check: Check | None = None) -> dict[str, Any]:
    """A page of the citizen's cases. ``check``: the caller's session check, run with the read
    (on PostgreSQL in the same statement); a 401 if it fails, before any other answer."""
    try:
        before = decode_cursor(cursor)
    except ValidationProblem:
        if check is not None and not await fetch(*check):
            raise session_ended() from None
        raise
    if before is None:
        got = await fetch_if(check, MINE_SQL, [viewer.id, limit + 1], key="id",
                             order="q.id DESC")
    else:
        got = await fetch_if(check, MINE_AFTER_SQL, [viewer.id, before, limit + 1], key="id",
                             order="q.id DESC")
    if got is None:
        raise session_ended()
    rows = got
    page = rows[:limit]
    now = datetime.now(UTC)
    next_cursor = encode_cursor(page[-1]["id"]) if len(rows) > limit else None
    return {"items": [summary(r, now) for r in page], "next_cursor": next_cursor}


def track_lockout() -> ratelimit.Lockout:
    s = settings_mod.current()
    return ratelimit.Lockout(
        s.track_wrong_code_per_case_hourly, s.track_lock_s, s.track_lock_s, 3600
    )


async def track(tracking_no: str, code: str, client_ip: str) -> dict[str, Any]:
    """Redacted progress for phone callers and kiosk receipts; a wrong code is a 404.

    Throttled per client IP; after N wrong codes for one tracking number (known or not) it is
    locked, and while the lock lasts every answer about it is the same 429, right code or not.
    """
    s = settings_mod.current()
    key = f"track:{tracking_no}"
    locked, rows = await ratelimit.hit_then_locked(  # with the case, where one statement can
        f"track-ip:{client_ip}", s.track_per_ip_per_minute, 60, key, batched=True,
        then=reads.public_case_read(tracking_no),
    )
    if locked:
        raise RateLimited(locked, TRACK_LOCKED)
    if rows is None:
        case, events = await reads.case_with_events(tracking_no, public_only=True)
    else:
        case, events = reads.case_from_rows(rows)
    expected = lookup_hash(code or "", f"query:{tracking_no}")
    if case is None or not hmac.compare_digest(expected, case.query_code_hash):
        await ratelimit.fail(key, track_lockout())
        raise NotFound("未找到该诉求，请核对编号和查询码")
    reply = next(
        (e.note for e in reversed(events) if e.action in ("reply", "answer")), None
    )
    return views.public_view(case, events, reply)
