"""``GET /me/export``: everything the platform holds about the caller (PIPL art. 45).

The citizen's own data is shown in full (phone, name, ID number, WeChat openids); cases appear
as the citizen's own view shows them (``casework.views.case_view``: timeline and ratings, the
contact masked as everywhere for citizens); photos with signed URLs (``media/urls.py``);
reward claims with their payouts; the messages sent to them, rendered when the outbox still
holds their parameters (never a login code); the real-name verification records; the
knowledge-base prechecks before filing and the questions asked in the official account's chat.
Rows merged into the caller's account (``wechat.identities.merge``) count as theirs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from casework import views
from casework.queries import unit_ref
from hotline.crypto import decrypt
from hotline.timefmt import iso
from identity.principal import Principal
from media import service as media_service
from models.case import Case, CaseEvent, Rating
from models.citizen import Citizen, RealNameVerification
from models.knowledge import KbPrecheck
from models.media import Photo
from models.outbox import OutboxMessage
from models.reward import RewardClaim, RewardPayout
from notify.templates import TEMPLATES, render
from privacy.erasure import account_ids, message_ids

SECRET_TEMPLATES = frozenset({"login_code"})  # their text is a credential: never repeated


def profile(citizen: Citizen) -> dict[str, Any]:
    return {
        "id": citizen.id,
        "phone": decrypt(citizen.phone_enc),
        "name": decrypt(citizen.name_enc),
        "id_number": decrypt(citizen.id_number_enc),
        "real_name_verified": citizen.real_name_verified,
        "real_name_method": citizen.real_name_method,
        "real_name_verified_at": iso(citizen.real_name_verified_at),
        "notify": {"sms": citizen.notify_sms, "wechat": citizen.notify_wechat},
        "created_at": iso(citizen.created_at),
    }


def wechat(rows: list[Citizen]) -> dict[str, Any]:
    def first(attr: str) -> Any:
        return next((getattr(r, attr) for r in rows if getattr(r, attr)), None)

    return {
        "mini_program_bound": first("openid_mini") is not None,
        "official_account_bound": first("openid_oa") is not None,
        "openid_mini": first("openid_mini"),
        "openid_oa": first("openid_oa"),
        "unionid": first("unionid"),
        "oa_follower": any(r.oa_follower for r in rows),
        "oa_followed_at": iso(first("oa_followed_at")),
    }


async def cases(viewer: Principal, ids: list[int]) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    out = []
    for case in await Case.filter(citizen_id__in=ids).order_by("id"):
        events = await CaseEvent.filter(case_id=case.id).order_by("seq")
        out.append(
            views.case_view(
                case,
                events,
                viewer=viewer,
                now=now,
                unit=await unit_ref(case.unit_id),
                photos=await media_service.case_photos(case, viewer),
            )
        )
    return out


async def ratings(case_ids: dict[int, str]) -> list[dict[str, Any]]:
    rows = await Rating.filter(case_id__in=list(case_ids)).order_by("case_id", "round")
    return [
        {
            "tracking_no": case_ids[r.case_id],
            "round": r.round,
            "score": r.score,
            "label": views.SCORE_LABELS.get(r.score, str(r.score)),
            "comment": r.comment,
            "at": iso(r.created_at),
        }
        for r in rows
    ]


async def photos(ids: list[int]) -> list[dict[str, Any]]:
    rows = await Photo.filter(owner_kind="citizen", owner_id__in=[str(i) for i in ids]).order_by(
        "id"
    )
    numbers = dict(
        await Case.filter(id__in=[p.case_id for p in rows if p.case_id]).values_list(
            "id", "tracking_no"
        )
    )
    return [
        media_service.photo_reply(p)
        | {"tracking_no": numbers.get(p.case_id), "uploaded_at": iso(p.created_at)}
        for p in rows
    ]


async def claims(ids: list[int]) -> list[dict[str, Any]]:
    rows = await RewardClaim.filter(citizen_id__in=ids).order_by("id")
    numbers = dict(
        await Case.filter(id__in=[c.case_id for c in rows]).values_list("id", "tracking_no")
    )
    payouts: dict[int, list[dict[str, Any]]] = {}
    for p in await RewardPayout.filter(claim_id__in=[c.id for c in rows]).order_by("id"):
        payouts.setdefault(p.claim_id, []).append(
            {
                "id": p.id,
                "provider": p.provider,
                "amount_fen": p.amount_fen,
                "status": str(p.status),
                "created_at": iso(p.created_at),
                "expires_at": iso(p.expires_at),
                "paid_at": iso(p.paid_at),
            }
        )
    return [
        {
            "id": c.id,
            "tracking_no": numbers.get(c.case_id),
            "status": str(c.status),
            "reason": c.reason,
            "reported_at": iso(c.reported_at),
            "verified": c.verified,
            "amount_fen": c.amount_fen,
            "decided_at": iso(c.decided_at),
            "deadline_at": iso(c.deadline_at),
            "created_at": iso(c.created_at),
            "payouts": payouts.get(c.id, []),
        }
        for c in rows
    ]


def _text(row: OutboxMessage) -> str | None:
    if row.template in SECRET_TEMPLATES or row.template not in TEMPLATES:
        return None
    try:
        params = json.loads(decrypt(row.params_enc) or "{}")
        return render(row.template, params) if params else None
    except (ValueError, KeyError, IndexError, TypeError):
        return None  # parameters cleared or not those of the template


async def messages(ids: list[int], phones: set[str]) -> list[dict[str, Any]]:
    outbox_ids = await message_ids(ids, phones)
    rows = await OutboxMessage.filter(id__in=outbox_ids).order_by("id")
    numbers = dict(
        await Case.filter(id__in=[r.case_id for r in rows if r.case_id]).values_list(
            "id", "tracking_no"
        )
    )
    return [
        {
            "id": r.id,
            "template": r.template,
            "channel": r.channel,
            "status": str(r.status),
            "tracking_no": numbers.get(r.case_id),
            "created_at": iso(r.created_at),
            "sent_at": iso(r.sent_at),
            "delivered_at": iso(r.delivered_at),
            "text": _text(r),
        }
        for r in rows
    ]


async def prechecks(ids: list[int]) -> list[dict[str, Any]]:
    """The drafts checked against the knowledge base before filing, and the questions asked in
    the official account's chat (``casework.precheck``): what was offered, what solved it."""
    rows = await KbPrecheck.filter(owner__in=[f"citizen:{i}" for i in ids]).order_by("id")
    numbers = dict(
        await Case.filter(id__in=[r.case_id for r in rows if r.case_id]).values_list(
            "id", "tracking_no"
        )
    )
    return [
        {
            "channel": r.channel,
            "kind": r.kind,
            "category_code": r.category_code or None,
            "kb_item_ids": list(r.kb_item_ids),
            "similar_count": r.similar_count,
            "created_at": iso(r.created_at),
            "deflected_item_id": r.deflected_item_id,
            "deflected_at": iso(r.deflected_at),
            "tracking_no": numbers.get(r.case_id) if r.case_id else None,
        }
        for r in rows
    ]


async def verifications(ids: list[int]) -> list[dict[str, Any]]:
    rows = await RealNameVerification.filter(citizen_id__in=ids).order_by("id")
    return [{"method": v.method, "at": iso(v.at)} for v in rows]


async def export(viewer: Principal) -> dict[str, Any]:
    """Everything held about the calling citizen."""
    ids = await account_ids(viewer.id)
    rows = await Citizen.filter(id__in=ids).order_by("id")
    me = next(r for r in rows if r.id == viewer.id)  # the caller's row exists (deps checked)
    phones = {p for p in (decrypt(r.phone_enc) for r in rows) if p}
    own_cases = await cases(viewer, ids)
    return {
        "exported_at": iso(datetime.now(UTC)),
        "profile": profile(me),
        "wechat": wechat(rows),
        "verifications": await verifications(ids),
        "cases": own_cases,
        "ratings": await ratings({c["id"]: c["tracking_no"] for c in own_cases}),
        "photos": await photos(ids),
        "reward_claims": await claims(ids),
        "messages": await messages(ids, phones),
        "prechecks": await prechecks(ids),
    }
