"""How claims and payouts look to reward administrators and to the reporter."""

from __future__ import annotations

from typing import Any

from hotline.timefmt import iso
from models.reward import RewardAudit, RewardClaim, RewardPayout
from rewards.fraud import FLAG_LABELS
from rewards.programs import SEVERITY_LABELS, yuan

STATUS_LABELS = {
    "open": "待核查",
    "eligible": "符合条件，待审批",
    "ineligible": "不符合条件",
    "duplicate": "重复举报",
    "second_approval": "待复核",
    "approved": "已批准，待发放",
    "denied": "不予奖励",
    "paid": "已发放",
    "expired": "逾期未领取",
}

PAYOUT_LABELS = {
    "pending": "待发放",
    "sending": "发放中",
    "unknown": "结果待确认",
    "awaiting_pickup": "待领取",
    "paid": "已发放",
    "failed": "发放失败",
    "expired": "逾期未领取",
}


def claim_summary(c: RewardClaim, tracking_no: str | None = None) -> dict[str, Any]:
    status = str(c.status)
    return {
        "id": c.id,
        "tracking_no": tracking_no,
        "program_id": c.program_id,
        "status": status,
        "status_label": STATUS_LABELS.get(status, status),
        "reason": c.reason,
        "category_code": c.category_code,
        "reported_at": iso(c.reported_at),
        "verified": c.verified,
        "severity": c.severity,
        "severity_label": SEVERITY_LABELS.get(c.severity or ""),
        "fine": yuan(c.fine_fen),
        "max_amount": yuan(c.max_amount_fen),
        "amount": yuan(c.amount_fen),
        "flags": [{"code": f, "label": FLAG_LABELS.get(f, f)} for f in c.flags or []],
        "duplicate_of": c.duplicate_of_id,
        "first_approver_id": c.first_approver_id,
        "first_approved_at": iso(c.first_approved_at),
        "decided_by": c.decided_by,
        "decided_at": iso(c.decided_at),
        "deadline_at": iso(c.deadline_at),
        "created_at": iso(c.created_at),
    }


def payout_view(p: RewardPayout, trade_no: str | None = None) -> dict[str, Any]:
    status = str(p.status)
    return {
        "id": p.id,
        "claim_id": p.claim_id,
        "provider": p.provider,
        "amount": yuan(p.amount_fen),
        "status": status,
        "status_label": PAYOUT_LABELS.get(status, status),
        "trade_no": trade_no if p.provider == "wechat" else None,
        "attempts": p.attempts,
        "provider_ref": p.provider_ref,
        "last_error": p.last_error,
        "expires_at": iso(p.expires_at),
        "paid_at": iso(p.paid_at),
        "created_at": iso(p.created_at),
    }


def audit_view(e: RewardAudit) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": iso(e.at),
        "action": e.action,
        "actor_role": e.actor_role,
        "actor_id": e.actor_id,
        "payout_id": e.payout_id,
        "data": e.data,
        "hash": e.hash,
    }


def citizen_view(c: RewardClaim, tracking_no: str) -> dict[str, Any]:
    """What the reporter sees of their own claim (no internal flags or approvers)."""
    status = str(c.status)
    public_status = "eligible" if status == "second_approval" else status
    label = STATUS_LABELS["eligible"] if status == "second_approval" else STATUS_LABELS[status]
    return {
        "id": c.id,
        "tracking_no": tracking_no,
        "status": public_status,
        "status_label": label,
        "reason": c.reason if status in ("ineligible", "duplicate", "denied", "expired") else "",
        "amount": yuan(c.amount_fen) if status in ("approved", "paid", "expired") else None,
        "deadline_at": iso(c.deadline_at),
        "reported_at": iso(c.reported_at),
    }
