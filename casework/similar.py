"""Open cases like the one a citizen is about to file (``GET /cases/similar``).

Two ways a case is similar, both among open cases (``OPEN_STATES``) that are not confidential:

* **near**: the same category within :data:`RADIUS_M` — a bounding box on the index
  ``(category_id, lat, lng)``, then the exact haversine distance;
* **clearly similar text**: the query's terms (``knowledge.segment.query_terms``) against the
  open cases' index (``casework.search_index``, open marker), best :data:`TEXT_CANDIDATES` by
  BM25 (SQLite) / ``ts_rank`` (PostgreSQL), kept when the case shares at least
  :data:`MIN_SHARE` of the terms (and two of them, for a query of several); with coordinates
  on both sides, only within :data:`TEXT_RADIUS_M` (the same problem is in the same town).

Items carry the title, status, distance, filing time and follower count: no reporter data.
"""

from __future__ import annotations

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
TEXT_CANDIDATES = 30
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


def _select(conn: BaseDBAsyncClient, n_terms: int) -> str:
    states = ", ".join(f"'{s}'" for s in OPEN_STATES)
    cols = "c.id, c.tracking_no, c.title, c.content, c.status, c.created_at, c.lat, c.lng"
    if search_index.is_sqlite(conn):
        return (
            f'SELECT {cols} FROM case_search JOIN "case" c ON c.id = case_search.rowid '
            f"WHERE case_search MATCH ? AND c.status IN ({states}) AND NOT c.confidential "
            f"ORDER BY bm25(case_search, 3.0, 1.0, 0.0) LIMIT {TEXT_CANDIDATES}"
        )
    q = search_index.pg_query(["t"] * n_terms, 1, any_term=True)
    return (
        f'SELECT {cols} FROM case_search s JOIN "case" c ON c.id = s.case_id '
        f"WHERE s.open AND s.tsv @@ {q} AND c.status IN ({states}) AND NOT c.confidential "
        f"ORDER BY ts_rank(s.tsv, {q}) DESC LIMIT {TEXT_CANDIDATES}"
    )


def _shares(terms: tuple[str, ...], row: dict[str, Any]) -> bool:
    words = set(segment(f"{row['title']} {row['content']}"))
    shared = sum(1 for t in terms if t in words)
    return shared >= min(2, len(terms)) and shared >= MIN_SHARE * len(terms)


async def by_text(q: str, lat: float | None, lng: float | None) -> list[dict[str, Any]]:
    terms = query_terms(q)[:MAX_TERMS]
    if not terms:
        return []
    conn = get_connection("default")
    params: list[Any] = (
        [search_index.sqlite_match(terms, any_term=True, open_only=True)]
        if search_index.is_sqlite(conn) else list(terms)
    )
    rows = await conn.execute_query_dict(_select(conn, len(terms)), params)
    found = []
    for r in rows:
        if not _shares(terms, r):
            continue
        d = None
        if lat is not None and lng is not None and r["lat"] is not None and r["lng"] is not None:
            d = round(distance_m(lat, lng, r["lat"], r["lng"]), 1)
            if d > TEXT_RADIUS_M:
                continue
        found.append(r | {"distance_m": d})
    return found


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
