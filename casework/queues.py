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
from tortoise.connection import get_connection

from casework import deadlines
from casework.transitions import OPEN_STATES
from hotline import cursors
from hotline.errors import Forbidden, NotFound
from hotline.sqlread import fetch, fetch_scan, when
from hotline.timefmt import iso_stored
from identity.principal import Principal
from models.org import Unit

Light = Literal["red", "yellow", "green"]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_LIMIT = 100


@dataclass(frozen=True)
class ScopeUnit:
    """The top unit of a scope."""

    id: int
    name: str
    path: str


@dataclass(frozen=True)
class Scope:
    """A unit subtree: its top unit, and its unit paths (None: the whole tree, no filter)."""

    unit: ScopeUnit
    paths: list[str] | None
    names: dict[int, str]  # id -> name of every unit of the subtree


# the subtree under a path (LIKE 'path%': paths hold digits and slashes only; escaped anyway)
# and the size of the whole tree, in one statement
_SUBTREE_SQL = (
    "SELECT id, path, name, (SELECT COUNT(*) FROM unit) AS total FROM unit "
    "WHERE path LIKE ? ESCAPE '!'"
)
_UNIT_PATH_SQL = "SELECT path FROM unit WHERE id = ?"


def _like_prefix(path: str) -> str:
    return path.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


async def resolve_scope(who: Principal, unit_id: int | None = None) -> Scope:
    """The caller's subtree, or the subtree of ``unit_id`` if it lies inside it (else 404)."""
    if who.kind != "staff" or not who.unit_path:
        raise Forbidden("仅限工作人员")
    path: str | None = who.unit_path
    if unit_id is not None:
        found = await fetch(_UNIT_PATH_SQL, [unit_id])
        path = found[0]["path"] if found and who.covers(found[0]["path"]) else None
    rows = await fetch(_SUBTREE_SQL, [_like_prefix(path)]) if path else []
    top = next((r for r in rows if r["path"] == path), None)
    if top is None:
        raise NotFound("未找到该单位")
    paths = None if len(rows) == rows[0]["total"] else sorted(r["path"] for r in rows)
    return Scope(
        unit=ScopeUnit(top["id"], top["name"], top["path"]),
        paths=paths,
        names={r["id"]: r["name"] for r in rows},
    )


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


def _light_sql(light: Light, now: Any) -> tuple[str, list[Any]]:
    if light == "red":
        return " AND next_due_at < ?", [now]
    if light == "yellow":
        return " AND warn_at <= ? AND next_due_at >= ?", [now, now]
    return " AND next_due_at >= ? AND (warn_at IS NULL OR warn_at > ?)", [now, now]


def summary(row: dict[str, Any], names: dict[int, str], now: datetime) -> dict[str, Any]:
    """A queue item: what staff need to pick a case, without personal data (``row`` as
    read by raw SQL)."""
    unit_id = row["unit_id"]
    next_due_at = row["next_due_at"]
    return {
        "tracking_no": row["tracking_no"],
        "kind": str(row["kind"]),
        "category_code": row["category_id"],
        "channel": str(row["channel"]),
        "status": row["status"],
        "title": row["title"],
        "unit": {"id": unit_id, "name": names.get(unit_id, "")} if unit_id else None,
        "created_at": iso_stored(row["created_at"]),
        "next_due_kind": row["next_due_kind"],
        "next_due_at": iso_stored(next_due_at),
        "light": deadlines.light(now, when(next_due_at), when(row["warn_at"])),
    }


async def list_cases(
    who: Principal,
    *,
    light: Light | None = None,
    status: str | None = None,
    unit_id: int | None = None,
    kind: str | None = None,
    overdue: bool | None = None,
    open_only: bool = False,
    limit: int = 20,
    cursor: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One page of the caller's queue: ``{items, next_cursor}``; ``open_only``: the cases
    still being handled (``casework.transitions.OPEN_STATES``)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    limit = max(1, min(limit, MAX_LIMIT))
    scope = await resolve_scope(who, unit_id)
    conn = get_connection("default")
    at = db_time(conn, now)
    where, params = scope_sql(scope)
    if scope.paths is not None and len(scope.paths) == 1:
        where = " AND unit_path = ?"
    if status:
        where, params = where + " AND status = ?", [*params, status]
    if kind:
        where, params = where + " AND kind = ?", [*params, kind]
    if open_only:
        where += f" AND status IN ({', '.join(repr(str(s)) for s in OPEN_STATES)})"
    if overdue is True and light is None:
        light = "red"
    elif overdue is True:
        clause, values = _light_sql("red", at)
        where, params = where + clause, params + values
    elif overdue is False:
        where, params = where + " AND (next_due_at IS NULL OR next_due_at >= ?)", [*params, at]
    by_due = light is not None
    if light is not None:
        clause, values = _light_sql(light, at)
        where, params = where + clause, params + values
    if by_due:
        if cursor:
            micros, last_id = cursors.read(cursor, "d", 2)
            after = db_time(conn, _after(micros))
            where += " AND next_due_at >= ? AND (next_due_at > ? OR id > ?)"
            params += [after, after, last_id]
        order = "next_due_at, id"
    else:
        if cursor:
            (before,) = cursors.read(cursor, "i", 1)
            where, params = where + " AND id < ?", [*params, before]
        order = "id DESC"
    sql = (f'SELECT {", ".join(SUMMARY_FIELDS)} FROM "case" WHERE 1 = 1{where} '
           f"ORDER BY {order} LIMIT ?")
    # An ordinary page of one unit or the whole tree, newest first or red by deadline, walks
    # an index in its order and stops after the page (unit_path + rowid, unit_path +
    # next_due_at, the primary key, next_due_at): a short read, run as one (sqlread.fetch).
    # Other filters may skip many rows before a page fills: off the event loop.
    indexed = (
        (scope.paths is None or len(scope.paths) == 1)
        and not status and not kind and not open_only and overdue is None and light in (None, "red")
    )
    read = fetch if indexed else fetch_scan
    rows = await read(sql, [*params, limit + 1])
    page = rows[:limit]
    missing = {r["unit_id"] for r in page if r["unit_id"] and r["unit_id"] not in scope.names}
    names = scope.names
    if missing:  # a case whose unit moved out of the subtree after the case was routed
        names = names | dict(await Unit.filter(id__in=missing).values_list("id", "name"))
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = (
            cursors.sign("d", _micros(when(last["next_due_at"]) or EPOCH), last["id"])
            if by_due
            else cursors.sign("i", last["id"])
        )
    return {"items": [summary(r, names, now) for r in page], "next_cursor": next_cursor}
