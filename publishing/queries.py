"""THE read side of published cases: every public path (``/public/cases``, the Atom feeds,
Open311) reads through :func:`published_page` and :func:`published_one`, and nothing else.

Only rows of ``publication`` are ever read for the texts: the reviewer-approved, redacted
summary and result, the street-level place and rounded coordinates. The case row gives only its
state (open/closed), dates and latest rating; its own texts, people and exact place are never
selected. A publication is deleted when the case is unpublished, so the next read after the
unpublishing commit no longer finds it (there is no cache in front of these reads).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from casework import reference
from casework.transitions import State
from casework.views import EVENT_LABELS
from hotline import settings as settings_mod
from hotline.sqlread import fetch, json_value, time_param, when
from hotline.timefmt import iso_stored

# a published case whose citizen has the answer reads as "closed" (Open311's status); one
# reopened after an unsatisfied rating reads as "open" again
CLOSED_STATES: tuple[str, ...] = (State.ANSWERED, State.REPLIED, State.RATED, State.CLOSED)
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class TimelineStep:
    at: datetime
    action: str
    label: str


@dataclass(frozen=True, slots=True)
class PublishedCase:
    """A published case as every public path may show it (texts redacted and reviewed)."""

    public_id: str
    kind: str
    category_code: str
    category_name: str
    region_code: str | None
    place: str  # street level
    lat: float | None  # rounded to about 100 m
    lon: float | None
    submitted_at: datetime  # aware, UTC
    closed_at: datetime | None
    updated_at: datetime
    status: str  # "open" | "closed"
    unit_name: str
    summary: str
    result: str
    rating: int | None
    photo_urls: tuple[str, ...]
    published_at: datetime
    timeline: tuple[TimelineStep, ...] = field(default=())  # published_one only
    row_key: int = 0  # the publication row's id: with submitted_at, the keyset position


class PublishedBrief(NamedTuple):
    """A published case as a list of requests shows it (Open311): only the columns it needs,
    its times already Beijing ISO-8601 text (``hotline.timefmt.iso_stored``). No datetimes are
    built and no case texts are read: what a 1,000-row reply costs is the rows themselves."""

    public_id: str
    category_code: str
    category_name: str
    place: str
    lat: float | None
    lon: float | None
    unit_name: str
    summary: str
    result: str
    photo_urls: tuple[str, ...]
    submitted_at: str  # Beijing ISO-8601, as stored (microseconds when there are some)
    updated_at: str
    status: str  # "open" | "closed"


_SELECT = (
    "SELECT p.id AS p_id, p.public_id, p.kind, p.category_code, p.region_code, p.unit_name, "
    "p.place, p.lat, p.lng, p.summary, p.result, p.photo_ids, p.submitted_at, p.published_at, "
    "p.closed, "
    "c.id AS case_id, c.status, c.closed_at, c.replied_at, c.updated_at, c.rating "
    'FROM publication p JOIN "case" c ON c.id = p.case_id'
)


def photo_url(photo_id: int) -> str:
    """The public address of an approved photo's re-encoded display variant (``media``
    serves it without a signature only while its publication approves it)."""
    return f"{settings_mod.current().public_base_url}/api/v1/photos/{photo_id}/display"


def _aware(value: object) -> datetime | None:
    if value is None:
        return None
    at = when(value)
    assert at is not None
    return at if at.tzinfo is UTC else at.astimezone(UTC)


def _row(r: dict[str, object], names: dict[str, str],
         timeline: tuple[TimelineStep, ...] = ()) -> PublishedCase:
    closed = bool(r["closed"])
    submitted = _aware(r["submitted_at"])
    assert submitted is not None
    photos = r["photo_ids"]
    photos = json_value(photos) if photos not in (None, "[]", []) else ()
    lat, lng = r["lat"], r["lng"]
    return PublishedCase(
        public_id=str(r["public_id"]),
        kind=str(r["kind"]),
        category_code=str(r["category_code"]),
        category_name=names.get(str(r["category_code"]), str(r["category_code"])),
        region_code=str(r["region_code"]) if r["region_code"] is not None else None,
        place=str(r["place"] or ""),
        lat=float(lat) if isinstance(lat, int | float) else None,
        lon=float(lng) if isinstance(lng, int | float) else None,
        submitted_at=submitted,
        closed_at=(_aware(r["closed_at"]) or _aware(r["replied_at"])) if closed else None,
        updated_at=_aware(r["updated_at"]) or submitted,
        status="closed" if closed else "open",
        unit_name=str(r["unit_name"] or ""),
        summary=str(r["summary"]),
        result=str(r["result"]),
        rating=int(str(r["rating"])) if r["rating"] is not None else None,
        photo_urls=tuple(photo_url(int(p)) for p in photos or ()),
        published_at=_aware(r["published_at"]) or submitted,
        timeline=timeline,
        row_key=int(str(r["p_id"])),
    )


async def category_names() -> dict[str, str]:
    return {code: c.name for code, c in (await reference.categories()).items()}


async def region_name(code: str) -> str | None:
    rows = await fetch("SELECT name FROM region WHERE code = ?", [code])
    return str(rows[0]["name"]) if rows else None


def region_levels(code: str | None) -> tuple[str | None, str | None]:
    """The city and county codes of a GB/T 2260 region code (a township's nine digits begin
    with its county's six): 330106 → (330100, 330106), 330100 → (330100, None), a province
    → (None, None)."""
    if not code or len(code) < 6 or not code[:6].isdigit() or code[2:6] == "0000":
        return None, None
    if code[4:6] == "00":
        return code[:6], None
    return code[:4] + "00", code[:6]


def _region_clause(code: str) -> tuple[str, list[object]]:
    """A region with every region below it, as one index can walk it newest first."""
    if len(code) == 6 and code.isdigit() and code[2:] == "0000":
        # a province holds most rows: LIKE (no index on either database for it) lets the page
        # walk the newest-first index and stop after a page; a range on city_code took that
        # index and sorted the whole province (seconds over 100,000 rows)
        return "p.city_code LIKE ?", [code[:2] + "%"]
    city, county = region_levels(code)
    if len(code) == 6 and county is not None:
        return "p.county_code = ?", [county]
    if len(code) == 6 and city is not None:
        return "p.city_code = ?", [city]
    return "p.region_code = ?", [code]


def _query(
    *,
    category_code: str | None = None,
    region_code: str | None = None,
    status: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    service_request_ids: Sequence[str] | None = None,
    page: int = 1,
    page_size: int = 20,
    newest_first: bool = True,
    before: tuple[datetime, int] | None = None,
) -> tuple[str, list[object]]:
    """The WHERE … ORDER BY … LIMIT of a page of publications, and its parameters."""
    where: list[str] = []
    params: list[object] = []
    if category_code is not None:
        where.append("p.category_code = ?")
        params.append(category_code)
    if region_code is not None:
        clause, values = _region_clause(region_code)
        where.append(clause)
        params.extend(values)
    if status is not None:
        where.append("p.closed = ?")
        params.append(status == "closed")
    if start is not None:
        where.append("p.submitted_at >= ?")
        params.append(time_param(start))
    if end is not None:
        where.append("p.submitted_at < ?")
        params.append(time_param(end))
    if service_request_ids is not None:
        ids = list(service_request_ids)[:MAX_PAGE_SIZE] or [""]
        where.append(f"p.public_id IN ({', '.join('?' * len(ids))})")
        params.extend(ids)
    order = "DESC" if newest_first else "ASC"
    if before is not None:
        at, key = before
        cmp = "<" if newest_first else ">"
        where.append(f"(p.submitted_at {cmp} ? OR (p.submitted_at = ? AND p.id {cmp} ?))")
        params.extend([time_param(at), time_param(at), key])
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    offset = 0 if before is not None else (max(page, 1) - 1) * size
    sql = ((" WHERE " + " AND ".join(where) if where else "")
           + f" ORDER BY p.submitted_at {order}, p.id {order} LIMIT {size} OFFSET {offset}")
    return sql, params


async def published_page(**filters: Any) -> list[PublishedCase]:
    """Published cases, newest submitted first (or oldest with ``newest_first=False``).

    Filters (keywords): ``category_code``; ``region_code`` (with the regions below it, by the
    GB/T 2260 code structure: :func:`region_levels`); ``status`` "open" or "closed";
    ``start`` <= submitted_at < ``end``; ``service_request_ids``, a list of public ids;
    ``before``: the (submitted_at, row key) of the last row of the previous page, for keyset
    pagination (a row's ``submitted_at`` and ``row_key`` give it), else ``page``/``page_size``
    (1-based, at most 1,000 rows).
    """
    where, params = _query(**filters)
    rows = await fetch(_SELECT + where, params)
    names = await category_names()
    return [_row(r, names) for r in rows]


_SELECT_BRIEF = (
    "SELECT p.public_id, p.category_code, p.place, p.lat, p.lng, p.unit_name, p.summary, "
    "p.result, p.photo_ids, p.submitted_at, p.closed, c.updated_at "
    'FROM publication p JOIN "case" c ON c.id = p.case_id'
)


class PublishedStamp(NamedTuple):
    """Where a published case is in a list and what may have changed since it was published:
    its row key and version (the publication's own: a new publish of the case is a new
    version), its category, and its case's state and last update (Beijing ISO-8601 text)."""

    row_key: int
    version: str
    category_code: str
    submitted_at: Any  # as stored (UTC text on SQLite, a datetime on PostgreSQL): for sorting
    status: str  # "open" | "closed"
    updated_at: Any  # as stored (``hotline.timefmt.iso_stored`` shows it)


_SELECT_STAMP = (
    "SELECT p.id, p.published_at, p.category_code, p.submitted_at, p.closed, "
    "COALESCE(c.updated_at, p.submitted_at) AS updated_at "
    'FROM publication p JOIN "case" c ON c.id = p.case_id'
)


async def published_stamps(**filters: Any) -> list[PublishedStamp]:
    """What :func:`published_page` finds (same filters), as :class:`PublishedStamp` rows: the
    narrow read of a list whose rows' texts the caller has rendered before (Open311)."""
    where, params = _query(**filters)
    return [PublishedStamp(r["id"], str(r["published_at"]), r["category_code"], r["submitted_at"],
                           "closed" if r["closed"] else "open", r["updated_at"])
            for r in await fetch(_SELECT_STAMP + where, params)]


async def published_briefs_of(row_keys: Sequence[int]) -> dict[int, PublishedBrief]:
    """The :class:`PublishedBrief` of each row key still published, by row key."""
    keys = list(row_keys)[:MAX_PAGE_SIZE]
    if not keys:
        return {}
    rows = await fetch(
        _SELECT_BRIEF.replace("SELECT ", "SELECT p.id, ", 1)
        + f" WHERE p.id IN ({', '.join('?' * len(keys))})", keys)
    return dict(zip((int(str(r["id"])) for r in rows), _briefs(rows, await category_names()),
                    strict=True))


def _briefs(rows: list[dict[str, Any]], names: dict[str, str]) -> list[PublishedBrief]:
    out = []
    for r in rows:
        code, photos, lat, lng = str(r["category_code"]), r["photo_ids"], r["lat"], r["lng"]
        submitted = iso_stored(r["submitted_at"])
        assert submitted is not None
        out.append(PublishedBrief(
            str(r["public_id"]), code, names.get(code, code), str(r["place"] or ""),
            float(lat) if isinstance(lat, int | float) else None,
            float(lng) if isinstance(lng, int | float) else None,
            str(r["unit_name"] or ""), str(r["summary"]), str(r["result"]),
            tuple(photo_url(int(p)) for p in json_value(photos)) if photos not in (
                None, "[]", []) else (),
            submitted, iso_stored(r["updated_at"]) or submitted,
            "closed" if r["closed"] else "open",
        ))
    return out


async def published_one(public_id: str) -> PublishedCase | None:
    """One published case with its public timeline: the steps and their times, never their
    notes (written for the citizen and the staff, unredacted)."""
    rows = await fetch(_SELECT + " WHERE p.public_id = ?", [public_id])
    if not rows:
        return None
    events = await fetch(
        "SELECT at, action FROM case_event WHERE case_id = ? AND public = ? ORDER BY seq",
        [rows[0]["case_id"], True],
    )
    steps = tuple(
        TimelineStep(at, str(e["action"]), EVENT_LABELS.get(str(e["action"]), str(e["action"])))
        for e in events
        if (at := _aware(e["at"])) is not None
    )
    return _row(rows[0], await category_names(), steps)



async def public_id_of_case(case_id: int) -> str | None:
    """The public id of a case while it is published, else None (Open311 tokens: a partner's
    handle on the case it filed learns the id once, and only while, the case is public)."""
    rows = await fetch("SELECT public_id FROM publication WHERE case_id = ?", [case_id])
    return str(rows[0]["public_id"]) if rows else None
