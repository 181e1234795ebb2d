"""Open cases like the one a citizen is about to file (``GET /cases/similar``).

Two ways a case is similar, both among open cases (``OPEN_STATES``) that are not confidential:

* **near**: the same category within :data:`RADIUS_M` — a bounding box on the index
  ``(category_id, lat, lng)``, then the exact haversine distance;
* **clearly similar text**: the query's terms (``knowledge.segment.query_terms``) against the
  open cases' index (``casework.search_index``, open marker). A case is clearly similar when it
  shares at least :data:`MIN_SHARE` of the terms (and two of them, for a query of several);
  such a case holds one of the query's rarest ``n - needed + 1`` terms, so only the open cases
  holding one of those are read (:data:`TEXT_CANDIDATES` newest; term rarity from the index,
  cached: ``fts5vocab`` on SQLite, a capped count over the partial GIN index on PostgreSQL),
  then checked and ordered by terms shared. With coordinates on both sides, only within
  :data:`TEXT_RADIUS_M` (the same problem is in the same town).

Items carry the title, status, distance, filing time and follower count: no reporter data.
"""

from __future__ import annotations

import math
import time
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection

from casework import search_index, views
from casework.follow import follower_counts
from casework.queues import from_db_time
from casework.transitions import OPEN_STATES
from knowledge.segment import query_terms, segment
from models.case import Case
from rewards.dedupe import bounding_box, distance_m

RADIUS_M = 300.0
TEXT_RADIUS_M = 5000.0
MAX_ITEMS = 10
NEAR_CANDIDATES = 200
TEXT_CANDIDATES = 50
MAX_TERMS = 12
MIN_SHARE = 0.6
FIELDS = ("id", "tracking_no", "title", "content", "status", "created_at", "lat", "lng")


async def near(category_code: str, lat: float, lng: float) -> list[dict[str, Any]]:
    lat_min, lat_max, lng_min, lng_max = bounding_box(lat, lng, RADIUS_M)
    rows = await (
        Case.filter(
            category_id=category_code, lat__gte=lat_min, lat__lte=lat_max,
            lng__gte=lng_min, lng__lte=lng_max, status__in=OPEN_STATES, confidential=False,
        )
        .order_by("-id")
        .limit(NEAR_CANDIDATES)
        .values(*FIELDS)
    )
    found = []
    for r in rows:
        d = distance_m(lat, lng, r["lat"], r["lng"])
        if d <= RADIUS_M:
            found.append(r | {"distance_m": round(d, 1)})
    return sorted(found, key=lambda r: r["distance_m"])


# documents per term, a rarity estimate that may be minutes old: term -> (monotonic time, n)
_DF: dict[str, tuple[float, int]] = {}
DF_TTL_S = 600.0
DF_CAP = 5000  # PostgreSQL counts a term's open cases up to this many
DF_MAX_ENTRIES = 50_000


async def doc_freq(conn: BaseDBAsyncClient, terms: tuple[str, ...]) -> dict[str, int]:
    """How many cases hold each term (cached for :data:`DF_TTL_S`)."""
    now = time.monotonic()
    missing = [t for t in terms if now - _DF.get(t, (-DF_TTL_S, 0))[0] >= DF_TTL_S]
    if missing:
        if len(_DF) > DF_MAX_ENTRIES:
            _DF.clear()
        if search_index.is_sqlite(conn):
            marks = ", ".join("?" * len(missing))
            rows = await conn.execute_query_dict(
                f"SELECT term, doc AS n FROM case_search_vocab WHERE term IN ({marks})", missing
            )
        else:
            rows = await search_index.pg_page(
                "SELECT x.term, (SELECT COUNT(*) FROM (SELECT 1 FROM case_search WHERE open "
                "AND tsv @@ plainto_tsquery('simple', x.term) LIMIT "
                f"{DF_CAP}) s) AS n FROM unnest($1::text[]) AS x(term)",
                [missing],
            )
        found = {r["term"]: int(r["n"]) for r in rows}
        for t in missing:
            _DF[t] = (now, found.get(t, 0))
    return {t: _DF[t][1] for t in terms}


def needed(n: int) -> int:
    """How many of a query's ``n`` terms a case must share to be clearly similar."""
    return max(min(2, n), math.ceil(MIN_SHARE * n))


async def _candidates(conn: BaseDBAsyncClient, terms: tuple[str, ...]) -> list[dict[str, Any]]:
    """Open cases holding one of the query's rarest ``n - needed + 1`` terms (a case sharing
    ``needed`` terms holds at least one of any that many), newest first; all the terms when
    every one is needed."""
    k = needed(len(terms))
    df = await doc_freq(conn, terms)
    rare = tuple(sorted(terms, key=lambda t: df[t])[: len(terms) - k + 1])
    every = k == len(terms)
    states = ", ".join(f"'{s}'" for s in OPEN_STATES)
    cols = "c.id, c.tracking_no, c.title, c.content, c.status, c.created_at, c.lat, c.lng"
    if search_index.is_sqlite(conn):
        match = search_index.sqlite_match(terms if every else rare, any_term=not every,
                                          open_only=True)
        sql = (
            f'SELECT {cols} FROM case_search JOIN "case" c ON c.id = case_search.rowid '
            f"WHERE case_search MATCH ? AND c.status IN ({states}) AND NOT c.confidential "
            f"ORDER BY case_search.rowid DESC LIMIT {TEXT_CANDIDATES}"
        )
        return await conn.execute_query_dict(sql, [match])
    chosen = terms if every else rare
    q = search_index.pg_query(chosen, 1, any_term=not every)
    sql = (
        f'SELECT {cols} FROM case_search s JOIN "case" c ON c.id = s.case_id '
        f"WHERE s.open AND s.tsv @@ {q} AND c.status IN ({states}) AND NOT c.confidential "
        f"ORDER BY s.case_id DESC LIMIT {TEXT_CANDIDATES}"
    )
    return await search_index.pg_page(sql, list(chosen))


def _shared(terms: tuple[str, ...], row: dict[str, Any]) -> int:
    words = set(segment(f"{row['title']} {row['content']}"))
    return sum(1 for t in terms if t in words)


async def by_text(q: str, lat: float | None, lng: float | None) -> list[dict[str, Any]]:
    terms = query_terms(q)[:MAX_TERMS]
    if not terms:
        return []
    conn = get_connection("default")
    k = needed(len(terms))
    found = []
    for r in await _candidates(conn, terms):
        shared = _shared(terms, r)
        if shared < k:
            continue
        d = None
        if lat is not None and lng is not None and r["lat"] is not None and r["lng"] is not None:
            d = round(distance_m(lat, lng, r["lat"], r["lng"]), 1)
            if d > TEXT_RADIUS_M:
                continue
        found.append(r | {"distance_m": d, "shared": shared})
    # most terms shared first, then the newest
    return sorted(found, key=lambda r: (-r["shared"], -r["id"]))


async def similar(
    *,
    category_code: str | None,
    lat: float | None,
    lng: float | None,
    q: str | None,
) -> dict[str, Any]:
    """``{items}``: near cases (closest first), then text matches (best first), at most 10."""
    found: list[dict[str, Any]] = []
    if category_code and lat is not None and lng is not None:
        found += await near(category_code, lat, lng)
    if q:
        found += await by_text(q, lat, lng)
    seen: set[int] = set()
    picked: list[dict[str, Any]] = []
    for r in found:
        if r["id"] not in seen and len(picked) < MAX_ITEMS:
            seen.add(r["id"])
            picked.append(r)
    counts = await follower_counts([r["id"] for r in picked])
    return {"items": [_item(r, counts.get(r["id"], 0)) for r in picked]}


def _item(r: dict[str, Any], followers: int) -> dict[str, Any]:
    created: datetime | None = from_db_time(r["created_at"])
    return {
        "tracking_no": r["tracking_no"],
        "title": r["title"],
        "status": r["status"],
        "status_label": views.STATUS_LABELS.get(r["status"], r["status"]),
        "distance_m": r["distance_m"],
        "created_at": views.iso(created),
        "followers": followers,
    }
