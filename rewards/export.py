"""CSV of decided rewards and their payouts for the finance office (UTF-8 with BOM, for Excel)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from hotline.crypto import decrypt, mask_phone
from hotline.csvcell import cell
from hotline.timefmt import SHANGHAI, day_start, iso
from models.case import Case
from models.citizen import Citizen
from models.reward import ClaimStatus, RewardClaim, RewardPayout, RewardProgram
from rewards.payouts import payout_trade_no
from rewards.programs import yuan
from rewards.views import PAYOUT_LABELS, STATUS_LABELS

COLUMNS = [
    "claim_id",
    "tracking_no",
    "program",
    "claim_status",
    "approved_amount_yuan",
    "decided_at",
    "first_approver_id",
    "approver_id",
    "payee_name",
    "payee_phone",
    "payout_id",
    "payout_provider",
    "payout_status",
    "trade_no",
    "provider_ref",
    "paid_at",
    "expires_at",
]
DECIDED = (ClaimStatus.approved, ClaimStatus.paid, ClaimStatus.expired)
BATCH = 500


async def _rows(start: datetime, end: datetime) -> Iterator[list[str]]:
    programs = dict(await RewardProgram.all().values_list("id", "name"))
    after = 0
    out: list[list[str]] = []
    while True:
        claims = await (
            RewardClaim.filter(
                status__in=DECIDED, decided_at__gte=start, decided_at__lt=end, id__gt=after
            )
            .order_by("id")
            .limit(BATCH)
        )
        if not claims:
            break
        after = claims[-1].id
        case_ids = [c.case_id for c in claims]
        numbers = dict(await Case.filter(id__in=case_ids).values_list("id", "tracking_no"))
        phones = dict(await Case.filter(id__in=case_ids).values_list("id", "contact_phone_enc"))
        citizens = {
            c.id: c
            for c in await Citizen.filter(id__in=[c.citizen_id for c in claims])
        }
        by_claim: dict[int, list[RewardPayout]] = {}
        for row in await RewardPayout.filter(claim_id__in=[c.id for c in claims]).order_by("id"):
            by_claim.setdefault(row.claim_id, []).append(row)
        for c in claims:
            citizen = citizens[c.citizen_id]
            base = [
                c.id,
                numbers.get(c.case_id),
                programs.get(c.program_id),
                STATUS_LABELS.get(str(c.status)),
                yuan(c.amount_fen),
                iso(c.decided_at),
                c.first_approver_id,
                c.decided_by,
                decrypt(citizen.name_enc),
                mask_phone(decrypt(phones.get(c.case_id)) or decrypt(citizen.phone_enc)),
            ]
            payouts: list[RewardPayout | None] = [*by_claim.get(c.id, [])] or [None]
            for p in payouts:
                tail = (
                    [
                        p.id,
                        p.provider,
                        PAYOUT_LABELS.get(str(p.status)),
                        payout_trade_no(p) if p.provider == "wechat" else "",
                        p.provider_ref,
                        iso(p.paid_at),
                        iso(p.expires_at),
                    ]
                    if p is not None
                    else [""] * 7
                )
                out.append([cell(v) for v in base + tail])
    return iter(out)


async def claims_csv(start: date | None, end: date | None) -> str:
    """Decided claims (by decision date, Asia/Shanghai, ``end`` inclusive), one row per payout."""
    today = datetime.now(SHANGHAI).date()
    start = start or today.replace(day=1)
    end = end or today
    lo, hi = day_start(start), day_start(end + timedelta(days=1))
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in await _rows(lo, hi):
        writer.writerow(row)
    return buf.getvalue()
