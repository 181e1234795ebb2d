"""First reporter wins: finding the other claims that report the same problem.

Three kinds of candidate, each found by an indexed query on the reward tables:

* merged cases — claims whose ``group_case_id`` (the case they were merged into, or their own)
  is the same (index on ``group_case_id``);
* the same category within ``distance_m`` and ``window`` — a bounding box on the index
  ``(category_code, lat, lng)``, then the exact great-circle distance and the time window;
* photos within ``max_hamming`` bits of dHash — by the pigeonhole principle two 64-bit hashes
  at most 3 bits apart agree on at least one of their four 16-bit bands, so an equality lookup
  on each band's index finds every near match, and the exact distance filters the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from hotline.db import flat_values
from media.dhash import dhash_from_signed, hamming
from models.reward import RewardClaim, RewardPhoto

EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180
BAND_BITS = 16
MAX_BAND_HAMMING = 64 // BAND_BITS - 1  # 3: the pigeonhole bound for four bands


def bands(dhash: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a (signed or unsigned) 64-bit hash, most significant first."""
    value = dhash_from_signed(dhash)
    b = [(value >> shift) & 0xFFFF for shift in (48, 32, 16, 0)]
    return b[0], b[1], b[2], b[3]


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lng_min, lng_max) containing every point within ``radius_m``."""
    dlat = radius_m / M_PER_DEG_LAT
    cos = max(math.cos(math.radians(min(89.0, abs(lat) + dlat))), 1e-6)
    dlng = radius_m / (M_PER_DEG_LAT * cos)
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


@dataclass
class Candidate:
    claim_id: int
    reasons: set[str] = field(default_factory=set)  # merge, distance, photo
    distance_m: float | None = None
    hamming: int | None = None


@dataclass(frozen=True)
class Subject:
    """What is searched for: one claim's category, place, time, group and photo hashes."""

    claim_id: int
    group_case_id: int
    category_code: str
    lat: float | None
    lng: float | None
    reported_at: datetime
    dhashes: tuple[int, ...] = ()


async def near(
    conn: BaseDBAsyncClient, s: Subject, radius_m: float, window: timedelta
) -> list[tuple[int, float]]:
    """Claims of the same category within ``radius_m`` and ``window`` of the subject."""
    if s.lat is None or s.lng is None:
        return []
    lat_min, lat_max, lng_min, lng_max = bounding_box(s.lat, s.lng, radius_m)
    rows = await (
        RewardClaim.filter(
            category_code=s.category_code,
            lat__gte=lat_min,
            lat__lte=lat_max,
            lng__gte=lng_min,
            lng__lte=lng_max,
        )
        .using_db(conn)
        .values_list("id", "lat", "lng", "reported_at")
    )
    found = []
    for claim_id, lat, lng, at in rows:
        if claim_id == s.claim_id or abs(at - s.reported_at) > window:
            continue
        d = distance_m(s.lat, s.lng, lat, lng)
        if d <= radius_m:
            found.append((claim_id, d))
    return found


async def similar_photos(
    conn: BaseDBAsyncClient, s: Subject, max_hamming: int
) -> list[tuple[int, int]]:
    """Claims with a photo within ``max_hamming`` bits of one of the subject's photos."""
    if not s.dhashes:
        return []
    max_hamming = min(max_hamming, MAX_BAND_HAMMING)
    cond = Q()
    for h in s.dhashes:
        b = bands(h)
        cond |= Q(band0=b[0]) | Q(band1=b[1]) | Q(band2=b[2]) | Q(band3=b[3])
    rows = await (
        RewardPhoto.filter(cond).using_db(conn).values_list("claim_id", "dhash")
    )
    best: dict[int, int] = {}
    for claim_id, other in rows:
        if claim_id == s.claim_id:
            continue
        dist = min(hamming(h, other) for h in s.dhashes)
        if dist <= max_hamming and dist < best.get(claim_id, 65):
            best[claim_id] = dist
    return sorted(best.items())


async def merged_with(conn: BaseDBAsyncClient, s: Subject) -> list[int]:
    rows: list[int] = await flat_values(
        RewardClaim.filter(group_case_id=s.group_case_id).using_db(conn), "id"
    )
    return [i for i in rows if i != s.claim_id]


async def candidates(
    conn: BaseDBAsyncClient,
    s: Subject,
    *,
    radius_m: float,
    window: timedelta,
    max_hamming: int,
) -> dict[int, Candidate]:
    """Every other claim that may report the same problem, with why."""
    found: dict[int, Candidate] = {}
    for claim_id in await merged_with(conn, s):
        found.setdefault(claim_id, Candidate(claim_id)).reasons.add("merge")
    for claim_id, d in await near(conn, s, radius_m, window):
        c = found.setdefault(claim_id, Candidate(claim_id))
        c.reasons.add("distance")
        c.distance_m = round(d, 1)
    for claim_id, h in await similar_photos(conn, s, max_hamming):
        c = found.setdefault(claim_id, Candidate(claim_id))
        c.reasons.add("photo")
        c.hamming = h
    return found
