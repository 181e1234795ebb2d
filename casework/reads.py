"""Case rows for the read paths, by raw SQL: the columns a reply shows, one statement each.

Reading a case through the ORM built its query anew (pypika) and hydrated all ~60 columns of the
row, parsing every timestamp, on every request; the unit's name and the timeline cost a query
and a model per row more. Here the statements are fixed strings (made once per dialect), the
unit's name comes by a join, and a row becomes a small :class:`CaseRow` / :class:`EventRow`
holding just what ``casework.views`` reads. Values are read back as the ORM would give them
(aware UTC datetimes, booleans, parsed JSON), except the times that are only shown: those stay
as read (:data:`Stored`) and ``hotline.timefmt.iso_stored`` formats SQLite's text without
parsing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.connection import get_connection

from hotline.sqlread import Check, fetch, fetch_if, json_value, when
from identity.tokens import session_ended

Stored = str | datetime
"""A timestamp as raw SQL reads it: UTC text on SQLite, an aware datetime on PostgreSQL."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class CaseRow:
    """What the views of a case read (``casework.views``), plus the unit's name."""

    id: int
    tracking_no: str
    query_code_hash: str
    kind: str
    category_id: str
    channel: str
    status: str
    procedure: str | None
    title: str
    content: str
    lat: float | None
    lng: float | None
    address: str | None
    region_id: str | None
    occurred_at: Stored | None
    anonymous: bool
    confidential: bool
    public: bool
    citizen_id: int | None
    device_id: int | None
    contact_phone_enc: str | None
    contact_name_enc: str | None
    unit_id: int | None
    unit_path: str
    photo_ids: list[int]
    flags: list[str]
    created_at: Stored
    due_dispatch: Stored | None
    due_sign: Stored | None
    due_transfer: Stored | None
    due_notice: Stored | None
    due_complete: Stored | None
    next_due_at: datetime | None
    warn_at: datetime | None
    provisional_deadline: bool
    unit_name: str | None


# the times only shown stay as read (timefmt.iso_stored shows them); these two are compared
_TIMES = frozenset({"next_due_at", "warn_at"})
_BOOLS = frozenset({"anonymous", "confidential", "public", "provisional_deadline"})
_JSON = frozenset({"photo_ids", "flags"})
_CASE_COLUMNS = tuple(f for f in CaseRow.__dataclass_fields__ if f != "unit_name")
_CONVERT = tuple(
    when if f in _TIMES else bool if f in _BOOLS else json_value if f in _JSON else None
    for f in CaseRow.__dataclass_fields__
)


@dataclass(slots=True)
class EventRow:
    """What the views read of a timeline event."""

    seq: int
    at: Stored
    action: str
    actor_role: str
    note: str
    public: bool
    data: dict[str, Any]


_EVENT_COLUMNS = ("e.seq AS e_seq, e.at AS e_at, e.action AS e_action, "
                  "e.actor_role AS e_actor_role, e.note AS e_note, e.public AS e_public, "
                  "e.data AS e_data")
_CASE_SELECT = "SELECT " + ", ".join(f"c.{c}" for c in _CASE_COLUMNS) + ", u.name AS unit_name"
# PostgreSQL: the case and its timeline in one statement, one row: the events' columns as
# arrays in order (NULL for a case without any). A row per event repeated the case's ~40
# columns on each, decoded and copied again per event: ~0.1 ms of CPU per read on each side.
_EVENT_FIELDS = ("seq", "at", "action", "actor_role", "note", "public", "data")
_EVENT_ARRAYS = ", ".join(f"array_agg(e.{f} ORDER BY e.seq) AS e_{f}s" for f in _EVENT_FIELDS)
_WITH_EVENTS = (_CASE_SELECT + ', ev.* FROM "case" c LEFT JOIN unit u ON u.id = c.unit_id '
                f"LEFT JOIN LATERAL (SELECT {_EVENT_ARRAYS} FROM case_event e "
                "WHERE e.case_id = c.id{public}) ev ON TRUE WHERE c.tracking_no = ?")
_WITH_EVENTS_SQL = _WITH_EVENTS.format(public="")
_WITH_PUBLIC_EVENTS_SQL = _WITH_EVENTS.format(public=" AND e.public = ?")
# the same in two statements (SQLite, where a statement costs no round trip): repeating the
# case's ~40 columns on every event row cost more than the second statement does
_CASE_SQL = (_CASE_SELECT + ' FROM "case" c LEFT JOIN unit u ON u.id = c.unit_id '
             "WHERE c.tracking_no = ?")
_EVENTS_SQL = ("SELECT " + _EVENT_COLUMNS + " FROM case_event e WHERE e.case_id = ? "
               "ORDER BY e.seq")
_PUBLIC_EVENTS_SQL = ("SELECT " + _EVENT_COLUMNS + " FROM case_event e WHERE e.case_id = ? "
                      "AND e.public = ? ORDER BY e.seq")
_N_CASE = len(CaseRow.__dataclass_fields__)


def _case(row: dict[str, Any]) -> CaseRow:
    values: list[Any] = [
        v if c is None or v is None else c(v)
        for c, v in zip(_CONVERT, list(row.values())[:_N_CASE], strict=True)
    ]
    return CaseRow(*values)


async def case_with_events(
    tracking_no: str, *, public_only: bool = False, check: Check | None = None
) -> tuple[CaseRow | None, list[EventRow]]:
    """The case and its timeline in order (only its public events with ``public_only``).

    ``check``: the caller's session check (``deps.principal_and_check``), run first (on
    PostgreSQL in the same statement); a 401 if it fails."""
    if get_connection("default").capabilities.dialect == "sqlite":
        found = await fetch_if(check, _CASE_SQL, [tracking_no], key="id", order="q.id")
        if found is None:
            raise session_ended()
        if not found:
            return None, []
        case = _case(found[0])
        if public_only:
            rows = await fetch(_PUBLIC_EVENTS_SQL, [case.id, True])
        else:
            rows = await fetch(_EVENTS_SQL, [case.id])
        return case, [_event(r) for r in rows]
    sql, params, key, order = public_case_read(tracking_no) if public_only else (
        _WITH_EVENTS_SQL, [tracking_no], "id", "q.id")
    got = await fetch_if(check, sql, params, key=key, order=order)
    if got is None:
        raise session_ended()
    return case_from_rows(got)


def public_case_read(tracking_no: str) -> tuple[str, list[Any], str, str]:
    """PostgreSQL: the statement of a case and its public events (rows for
    :func:`case_from_rows`), to run joined to another (``hotline.ratelimit.hit_then_locked``):
    its SQL, parameters, a column never NULL in its rows, and its order against alias ``q``."""
    return _WITH_PUBLIC_EVENTS_SQL, [True, tracking_no], "id", "q.id"


def case_from_rows(rows: list[dict[str, Any]]) -> tuple[CaseRow | None, list[EventRow]]:
    """The case and its timeline from the rows of the one-statement read (PostgreSQL)."""
    if not rows:
        return None, []
    row = rows[0]
    if row["e_seqs"] is None:
        return _case(row), []
    return _case(row), [
        EventRow(seq, at or _EPOCH, action, role, note, bool(public), json_value(data))
        for seq, at, action, role, note, public, data in zip(
            row["e_seqs"], row["e_ats"], row["e_actions"], row["e_actor_roles"],
            row["e_notes"], row["e_publics"], row["e_datas"], strict=True)
    ]


def _event(r: dict[str, Any]) -> EventRow:
    return EventRow(r["e_seq"], r["e_at"] or _EPOCH, r["e_action"], r["e_actor_role"],
                    r["e_note"], bool(r["e_public"]), json_value(r["e_data"]))
