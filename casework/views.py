"""What each audience sees of a case: owners and staff in full, the public redacted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from casework import deadlines
from casework.calendar import SHANGHAI
from hotline.crypto import decrypt, mask_name, mask_phone
from identity.principal import Principal
from models.case import Case, CaseEvent

CHANNEL_LABELS = {
    "app": "移动客户端",
    "wechat_mini": "微信小程序",
    "wechat_oa": "微信公众号",
    "kiosk": "自助终端",
    "web": "网站",
    "phone": "电话",
    "letter": "来信",
    "visit": "来访",
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

# Roles that need the citizen's contact details to handle the case.
CONTACT_ROLES = frozenset({"operator", "dispatcher", "handler", "supervisor", "admin"})


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(SHANGHAI).isoformat() if dt else None


def _timeline(events: list[CaseEvent], *, public_only: bool) -> list[dict[str, Any]]:
    return [
        {"at": iso(e.at), "action": e.action, "actor_role": e.actor_role, "note": e.note}
        for e in sorted(events, key=lambda e: e.seq)
        if e.public or not public_only
    ]


def _dues(case: Case) -> dict[str, str | None]:
    return {
        "dispatch": iso(case.due_dispatch),
        "sign": iso(case.due_sign),
        "transfer": iso(case.due_transfer),
        "notice": iso(case.due_notice),
        "complete": iso(case.due_complete),
    }


def _contact(case: Case, viewer: Principal) -> dict[str, Any] | None:
    phone = decrypt(case.contact_phone_enc)
    name = decrypt(case.contact_name_enc)
    if phone is None and name is None:
        return None
    full = viewer.kind == "staff" and viewer.has_role(*CONTACT_ROLES) and not (
        case.confidential and not viewer.has_role("supervisor", "admin")
    )
    if case.anonymous and viewer.kind == "staff":
        full = False
    if REWARD_FLAG in (case.flags or []) and viewer.kind == "staff":
        # a rewarded reporter is known only to reward administrators
        full = viewer.has_role("reward_admin")
    return {
        "name": name if full else mask_name(name),
        "phone": phone if full else mask_phone(phone),
    }


def case_view(
    case: Case,
    events: list[CaseEvent],
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
        "occurred_at": iso(case.occurred_at),
        "photos": photos or [],
        "unit": unit,
        "created_at": iso(case.created_at),
        "due": _dues(case),
        "next_due_at": iso(case.next_due_at),
        "light": deadlines.light(now, case.next_due_at, case.warn_at),
        "provisional_deadline": case.provisional_deadline,
        "public": case.public,
        "anonymous": case.anonymous,
        "confidential": case.confidential,
        "contact": _contact(case, viewer),
        "timeline": _timeline(events, public_only=viewer.kind != "staff"),
    } | ({"flags": list(case.flags or [])} if viewer.kind == "staff" else {})


def public_view(case: Case, events: list[CaseEvent], reply: str | None) -> dict[str, Any]:
    """Progress for the no-login tracker: no personal data, no location, no lights."""
    return {
        "tracking_no": case.tracking_no,
        "kind": case.kind,
        "category_code": case.category_id,
        "status": case.status,
        "status_label": STATUS_LABELS.get(case.status, case.status),
        "created_at": iso(case.created_at),
        "timeline": [
            {"at": iso(e.at), "action": e.action, "label": STATUS_LABELS.get(e.action, "")}
            | {"note": e.note if e.action in PUBLIC_NOTE_ACTIONS else ""}
            for e in sorted(events, key=lambda e: e.seq)
            if e.public
        ],
        "reply": reply,
    }


# Notes of these actions are written for the citizen and carry no third-party data.
PUBLIC_NOTE_ACTIONS = frozenset({"submit", "answer", "reply", "notice"})
