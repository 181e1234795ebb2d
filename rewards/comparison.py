"""A claim beside the earlier reports it was compared against (reward administrators only).

The candidates are the ones the eligibility rule weighs (``rewards.eligibility.find_candidates``:
merged cases, the same category nearby within the window, near-identical photos), found again
now, plus the claim it was judged a duplicate of. Each side shows its evidence: photos (signed
URLs, the position the camera recorded), place and times. No reporter identity here: the claim
page shows it once, from ``rewards.queries.claim_detail``.
"""

from __future__ import annotations

from typing import Any

from tortoise.connection import get_connection

from hotline.timefmt import iso
from identity.principal import Principal
from media.service import case_entry
from models.case import Case
from models.media import Photo
from models.reward import RewardClaim
from rewards.eligibility import find_candidates
from rewards.views import STATUS_LABELS

MAX_SHOWN = 6
REASONS = {"merge": "已合并为同一诉求", "distance": "同类别、距离相近", "photo": "照片高度相似"}


async def _evidence(claim: RewardClaim, case: Case, viewer: Principal) -> dict[str, Any]:
    photos = await Photo.filter(id__in=case.photo_ids or []).order_by("id")
    return {
        "claim_id": claim.id,
        "tracking_no": case.tracking_no,
        "status": str(claim.status),
        "status_label": STATUS_LABELS.get(str(claim.status), str(claim.status)),
        "title": case.title,
        "reported_at": iso(claim.reported_at),
        "occurred_at": iso(case.occurred_at),
        "address": case.address,
        "location": {"lat": case.lat, "lng": case.lng} if case.lat is not None else None,
        "photos": [case_entry(p, viewer) for p in photos],
    }


async def compared(viewer: Principal, claim_id: int) -> dict[str, Any]:
    """``{claim: evidence, others: [evidence + {reasons, distance_m, hamming, earlier}]}``,
    the others oldest first (the earliest verified report wins)."""
    claim = await RewardClaim.get(id=claim_id)
    conn = get_connection("default")
    found = await find_candidates(conn, claim)
    ids = set(found)
    if claim.duplicate_of_id:
        ids.add(claim.duplicate_of_id)
    others = await RewardClaim.filter(id__in=ids).order_by("reported_at", "id").limit(MAX_SHOWN)
    cases = {c.id: c for c in await Case.filter(id__in=[claim.case_id, *(o.case_id
                                                                          for o in others)])}
    out = []
    for other in others:
        c = found.get(other.id)
        reasons = sorted(c.reasons) if c else []
        out.append(await _evidence(other, cases[other.case_id], viewer) | {
            "reasons": [REASONS.get(r, r) for r in reasons],
            "distance_m": c.distance_m if c else None,
            "hamming": c.hamming if c else None,
            "earlier": (other.reported_at, other.id) < (claim.reported_at, claim.id),
            "winner": other.id == claim.duplicate_of_id,
        })
    return {"claim": await _evidence(claim, cases[claim.case_id], viewer), "others": out}
