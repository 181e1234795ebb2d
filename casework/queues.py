"""Staff work queues: the cases in a caller's scope, filtered by light, status, unit and kind.

Scope is the caller's unit subtree (optionally narrowed to a ``unit_id`` inside it). It is
resolved to the exact list of unit paths of that subtree, so the database filters with
``unit_path = ?`` / ``unit_path IN (...)`` — an index lookup whatever the collation (a
``LIKE 'prefix%'`` is not indexable under SQLite's default case-insensitive LIKE nor under a
non-C PostgreSQL collation). The whole tree needs no filter at all.

Lights are range conditions on the stored ``next_due_at`` / ``warn_at``
(``casework.deadlines.light``): red ``next_due_at < now``; yellow
``warn_at <= now <= next_due_at``; green ``now <= next_due_at``
and ``warn_at`` null or later than now. Light queues are ordered by ``(next_due_at, id)``, the
others newest first by ``id`` (intake order); the opaque cursor carries the last row's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from casework import deadlines, views
from hotline import cursors
from hotline.errors import Forbidden, NotFound
from identity.principal import Principal
from models.case import Case
from models.org import Unit

Light = Literal["red", "yellow", "green"]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_LIMIT = 100


@dataclass(frozen=True)
class Scope:
    """A unit subtree: its top unit, and its unit paths (None: the whole tree, no filter)."""

    unit: Unit
    paths: list[str] | None
    names: dict[int, str]  # id -> name of every unit of the subtree


async def resolve_scope(who: Principal, unit_id: int | None = None) -> Scope:
    """The caller's subtree, or the subtree of ``unit_id`` if it lies inside it (else 404)."""
    if who.kind != "staff" or not who.unit_path:
        raise Forbidden("仅限工作人员")
    if unit_id is None:
        unit = await Unit.get_or_none(path=who.unit_path)
    else:
        unit = await Unit.get_or_none(id=unit_id)
        if unit is not None and not who.covers(unit.path):
            unit = None
    if unit is None:
        raise NotFound("未找到该单位")
    rows = await Unit.filter(path__startswith=unit.path).values_list("id", "path", "name")
    total = await Unit.all().count()
    paths = None if len(rows) == total else sorted(p for _, p, _ in rows)
    return Scope(unit=unit, paths=paths, names={i: n for i, _, n in rows})


def scope_sql(scope: Scope, column: str = "unit_path") -> tuple[str, list[Any]]:
    """`` AND <column> IN (?, ...)`` and its parameters ('' for the whole tree)."""
    if scope.paths is None:
        return "", []
    return f" AND {column} IN ({', '.join('?' * len(scope.paths))})", list(scope.paths)


def db_time(conn: BaseDBAsyncClient, at: datetime) -> Any:
    """A timestamp parameter for raw SQL, in the form the ORM stores it (UTC)."""
    at = at.astimezone(UTC)
    return at.isoformat(" ") if conn.capabilities.dialect == "sqlite" else at


def from_db_time(value: Any) -> datetime | None:
    """A timestamp read by raw SQL (SQLite gives ISO text, PostgreSQL a datetime)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


# -- cursors (signed by hotline.cursors: "d" by due time, "i" newest first) ----------------
def _after(micros: int) -> datetime:
    try:
        return EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        raise cursors.invalid() from None


def _micros(at: datetime) -> int:
    return (at - EPOCH) // timedelta(microseconds=1)


# -- the queue ----------------------------------------------------------------------------
SUMMARY_FIELDS = (
    "id",
    "tracking_no",
    "kind",
    "category_id",
    "channel",
    "status",
    "title",
    "unit_id",
    "created_at",
    "next_due_kind",
    "next_due_at",
    "warn_at",
)


def _light_filter(query: Any, light: Light, now: datetime) -> Any:
    if light == "red":
        return query.filter(next_due_at__lt=now)
    if light == "yellow":
        return query.filter(warn_at__lte=now, next_due_at__gte=now)
    return query.filter(next_due_at__gte=now).filter(Q(warn_at__isnull=True) | Q(warn_at__gt=now))


def summary(row: dict[str, Any], names: dict[int, str], now: datetime) -> dict[str, Any]:
    """A queue item: what staff need to pick a case, without personal data."""
    unit_id = row["unit_id"]
    return {
        "tracking_no": row["tracking_no"],
        "kind": str(row["kind"]),
        "category_code": row["category_id"],
        "channel": str(row["channel"]),
        "status": row["status"],
        "title": row["title"],
        "unit": {"id": unit_id, "name": names.get(unit_id, "")} if unit_id else None,
        "created_at": views.iso(row["created_at"]),
        "next_due_kind": row["next_due_kind"],
        "next_due_at": views.iso(row["next_due_at"]),
        "light": deadlines.light(now, row["next_due_at"], row["warn_at"]),
    }


async def list_cases(
    who: Principal,
    *,
    light: Light | None = None,
    status: str | None = None,
    unit_id: int | None = None,
    kind: str | None = None,
    overdue: bool | None = None,
    limit: int = 20,
    cursor: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One page of the caller's queue: ``{items, next_cursor}``."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    limit = max(1, min(limit, MAX_LIMIT))
    scope = await resolve_scope(who, unit_id)
    query = Case.all()
    if scope.paths is not None:
        query = (
            query.filter(unit_path=scope.paths[0])
            if len(scope.paths) == 1
            else query.filter(unit_path__in=scope.paths)
        )
    if status:
        query = query.filter(status=status)
    if kind:
        query = query.filter(kind=kind)
    if overdue is True and light is None:
        light = "red"
    elif overdue is True:
        query = _light_filter(query, "red", now)
    elif overdue is False:
        query = query.filter(Q(next_due_at__isnull=True) | Q(next_due_at__gte=now))
    by_due = light is not None
    if light is not None:
        query = _light_filter(query, light, now)
    if by_due:
        if cursor:
            micros, last_id = cursors.read(cursor, "d", 2)
            after = _after(micros)
            query = query.filter(next_due_at__gte=after).filter(
                Q(next_due_at__gt=after) | Q(id__gt=last_id)
            )
        query = query.order_by("next_due_at", "id")
    else:
        if cursor:
            (before,) = cursors.read(cursor, "i", 1)
            query = query.filter(id__lt=before)
        query = query.order_by("-id")
    rows = await query.limit(limit + 1).values(*SUMMARY_FIELDS)
    page = rows[:limit]
    missing = {r["unit_id"] for r in page if r["unit_id"] and r["unit_id"] not in scope.names}
    names = dict(scope.names)
    if missing:  # a case whose unit moved out of the subtree after the case was routed
        names |= dict(await Unit.filter(id__in=missing).values_list("id", "name"))
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = (
            cursors.sign("d", _micros(last["next_due_at"]), last["id"])
            if by_due
            else cursors.sign("i", last["id"])
        )
    return {"items": [summary(r, names, now) for r in page], "next_cursor": next_cursor}
