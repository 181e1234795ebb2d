"""What each audience sees of a case: owners and staff in full, the public redacted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from casework import deadlines
from casework.reads import CaseRow, EventRow
from casework.transitions import CALLBACK_ROLES, EVENT_LABELS
from hotline.crypto import decrypt, mask_name, mask_phone
from hotline.timefmt import iso as iso  # other modules show their times through views.iso
from hotline.timefmt import iso_stored
from identity.principal import Principal
from knowledge import links
from models.case import Case, CaseEvent

Event = CaseEvent | EventRow
AnyCase = Case | CaseRow

CHANNEL_LABELS = {
    "app": "移动客户端",
    "wechat_mini": "微信小程序",
    "wechat_oa": "微信公众号",
    "kiosk": "自助终端",
    "web": "网站",
    "phone": "电话",
    "letter": "来信",
    "visit": "来访",
    "partner": "合作系统",
    "110": "110转办",
}

STATUS_LABELS = {
    "submitted": "已受理",
    "answered": "已直接答复",
    "dispatched": "已转办",
    "signed": "办理中",
    "noticed": "已告知",
    "replied": "已答复",
    "rated": "已评价",
    "closed": "已办结",
    "returned": "退回重新分派",
    "transfer_requested": "申请改派中",
    "extension_requested": "申请延期中",
    "reopened": "重新办理",
    "merged": "已合并",
    "rejected": "不予受理",
}

# Set on cases with a reward claim (by rewards/): the reporter is masked for handling units.
REWARD_FLAG = "reward_claim"

# Roles that need the citizen's contact details to handle the case (in full, unless the case
# is anonymous, confidential or carries a reward claim: see _contact and docs/ARCHITECTURE.md).
CONTACT_ROLES = frozenset({"operator", "dispatcher", "handler", "supervisor", "admin"})
# The citizen's own steps on their case: shown to them although not public (a rating's note).
OWN_ACTIONS = frozenset({"submit", "rate"})
SCORE_LABELS = {1: "非常不满意", 2: "不满意", 3: "基本满意", 4: "满意", 5: "非常满意"}


def shown_to(viewer: Principal, event: Event) -> bool:
    """Staff see every event; the case's own citizen (or kiosk) its public events and their own
    steps (their ratings); internal records (returns, extensions, 督办, callbacks) stay internal."""
    return viewer.kind == "staff" or event.public or event.action in OWN_ACTIONS


def _timeline(events: Sequence[Event], viewer: Principal) -> list[dict[str, Any]]:
    return [
        {
            "at": iso_stored(e.at),
            "action": e.action,
            "label": EVENT_LABELS.get(e.action, e.action),
            "actor_role": e.actor_role,
            "note": e.note,
            "kb_item": _cited(e),
        }
        for e in sorted(events, key=lambda e: e.seq)
        if shown_to(viewer, e)
    ]


def _cited(e: Event) -> dict[str, Any] | None:
    """The knowledge item an answer cites (``kb_item_id`` on the event), with its page."""
    data = e.data if isinstance(e.data, dict) else {}
    item_id = data.get("kb_item_id")
    if not isinstance(item_id, int):
        return None
    return {"id": item_id, "title": data.get("kb_item_title", ""), "url": links.item_url(item_id)}


def _ratings(events: Sequence[Event]) -> list[dict[str, Any]]:
    """The citizen's ratings, one per reply round, from the timeline's ``rate`` events."""
    return [
        {
            "round": e.data["round"],
            "score": e.data["score"],
            "label": SCORE_LABELS[e.data["score"]],
            "at": iso_stored(e.at),
        }
        for e in sorted(events, key=lambda e: e.seq)
        if e.action == "rate" and isinstance(e.data, dict) and e.data.get("score") in SCORE_LABELS
    ]


def _dues(case: AnyCase) -> dict[str, str | None]:
    return {
        "dispatch": iso_stored(case.due_dispatch),
        "sign": iso_stored(case.due_sign),
        "transfer": iso_stored(case.due_transfer),
        "notice": iso_stored(case.due_notice),
        "complete": iso_stored(case.due_complete),
    }


def _contact(case: AnyCase, viewer: Principal) -> dict[str, Any] | None:
    """The contact as ``viewer`` may see it: masked for the citizen and kiosks (a kiosk screen
    is public; the citizen knows their own). Staff:

    * anonymous case: no digit of the phone and no name, for every role;
    * reward claim: in full only to reward administrators (the reporter is protected);
    * confidential case: in full only to the roles that call back (``callback`` in the table:
      supervisors; not admins, whose power over actions is not a need to know);
    * otherwise in full to the roles that handle cases (``CONTACT_ROLES``); masked for others.
    """
    phone = decrypt(case.contact_phone_enc)
    name = decrypt(case.contact_name_enc)
    if phone is None and name is None:
        return None
    if viewer.kind != "staff":
        full = False
    elif case.anonymous:
        return {"name": "*" * len(name) if name else None, "phone": hide(phone)}
    elif REWARD_FLAG in (case.flags or []):
        full = viewer.has_role("reward_admin")
    elif case.confidential:
        full = viewer.has_role(*CALLBACK_ROLES)
    else:
        full = viewer.has_role(*CONTACT_ROLES)
    return {
        "name": name if full else mask_name(name),
        "phone": phone if full else mask_phone(phone),
    }


def hide(phone: str | None) -> str | None:
    """A phone with every character hidden (its length only)."""
    return "*" * len(phone) if phone else None


def case_view(
    case: AnyCase,
    events: Sequence[Event],
    *,
    viewer: Principal,
    now: datetime,
    query_code: str | None = None,
    unit: dict[str, Any] | None = None,
    photos: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The full case, for its submitter and for staff whose scope covers it."""
    location = None
    if case.lat is not None or case.address:
        location = {
            "lat": case.lat,
            "lng": case.lng,
            "address": case.address,
            "region_code": case.region_id,
        }
    return {
        "id": case.id,
        "tracking_no": case.tracking_no,
        "query_code": query_code,
        "kind": case.kind,
        "category_code": case.category_id,
        "channel": case.channel,
        "status": case.status,
        "status_label": STATUS_LABELS.get(case.status, case.status),
        "procedure": case.procedure,
        "title": case.title,
        "content": case.content,
        "location": location,
        "occurred_at": iso_stored(case.occurred_at),
        "photos": photos or [],
        "unit": unit,
        "created_at": iso_stored(case.created_at),
        "due": _dues(case),
        "next_due_at": iso_stored(case.next_due_at),
        "light": deadlines.light(now, case.next_due_at, case.warn_at),
        "provisional_deadline": case.provisional_deadline,
        "public": case.public,
        "anonymous": case.anonymous,
        "confidential": case.confidential,
        "contact": _contact(case, viewer),
        "timeline": _timeline(events, viewer),
        "ratings": _ratings(events),
        "flags": list(case.flags or []) if viewer.kind == "staff" else None,
    }


def public_view(case: AnyCase, events: Sequence[Event], reply: str | None) -> dict[str, Any]:
    """Progress for the no-login tracker: no personal data, no location, no lights."""
    return {
        "tracking_no": case.tracking_no,
        "kind": case.kind,
        "category_code": case.category_id,
        "status": case.status,
        "status_label": STATUS_LABELS.get(case.status, case.status),
        "created_at": iso_stored(case.created_at),
        "timeline": [
            {
                "at": iso_stored(e.at),
                "action": e.action,
                "label": EVENT_LABELS.get(e.action, e.action),
                "note": e.note if e.action in PUBLIC_NOTE_ACTIONS else "",
            }
            for e in sorted(events, key=lambda e: e.seq)
            if e.public
        ],
        "reply": reply,
    }


# Notes of these actions are written for the citizen and carry no third-party data.
PUBLIC_NOTE_ACTIONS = frozenset({"submit", "answer", "reply", "notice"})
