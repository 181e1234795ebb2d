"""Reward programmes for verified reports, their claims, payouts and hash-chained audit trail.

Money is kept in fen (integer cents of a yuan) everywhere.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class ClaimStatus(StrEnum):
    open = "open"  # the report is being handled, nothing verified yet
    eligible = "eligible"  # verified, first reporter: waiting for a reward administrator
    ineligible = "ineligible"  # not verified, excluded reporter, programme over (see reason)
    duplicate = "duplicate"  # an earlier verified report of the same problem won
    second_approval = "second_approval"  # approved once, a second administrator must confirm
    approved = "approved"  # budget committed, payout under way
    denied = "denied"
    paid = "paid"
    expired = "expired"  # the reward was not collected before the claim deadline
    withdrawn = "withdrawn"  # the citizen erased their account before a decision (DELETE /me)


class PayoutStatus(StrEnum):
    pending = "pending"  # waiting for the payout worker
    sending = "sending"  # claimed by a worker, outcome not recorded yet
    unknown = "unknown"  # the provider did not answer: query before paying again
    awaiting_pickup = "awaiting_pickup"  # manual: the citizen collects it at a service hall
    paid = "paid"
    failed = "failed"  # refused by the provider for good (replaced by a manual payout)
    expired = "expired"  # manual payout not collected in time, budget released


class RewardProgram(Model):
    """A reward programme with categories, period, budget and amount rules."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128)
    description = fields.TextField(default="")
    categories: fields.JSONField[list[str]] = fields.JSONField(default=list)  # category codes
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    budget_fen = fields.BigIntField()
    committed_fen = fields.BigIntField(default=0)  # approved (pending or paid), not released
    paid_fen = fields.BigIntField(default=0)
    # severity -> fixed amount
    tiers_fen: fields.JSONField[dict[str, int]] = fields.JSONField(default=dict)
    fine_pct = fields.FloatField(default=0.0)  # percentage of the fine added to the tier
    fine_cap_fen = fields.BigIntField(default=0)
    monthly_count_limit = fields.IntField(default=5)  # per citizen per calendar month
    monthly_amount_limit_fen = fields.BigIntField(default=500_000)
    claim_deadline_days = fields.IntField(default=60)  # to collect, after the decision
    four_eyes_fen = fields.BigIntField(null=True)  # override of the global threshold
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reward_program"


class RewardClaim(Model):
    """A citizen's claim to a reward for one report, with the facts dedupe and fraud rules use."""

    id = fields.BigIntField(primary_key=True)
    case: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Case", related_name="reward_claims", on_delete=fields.RESTRICT, unique=True
    )
    case_id: int
    program: fields.ForeignKeyRelation[RewardProgram] = fields.ForeignKeyField(
        "models.RewardProgram", related_name="claims", on_delete=fields.RESTRICT
    )
    program_id: int
    citizen: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Citizen", related_name="reward_claims", on_delete=fields.RESTRICT
    )
    citizen_id: int
    status = fields.CharEnumField(ClaimStatus, max_length=16, default=ClaimStatus.open)
    reason = fields.CharField(max_length=255, default="")
    duplicate_of: fields.ForeignKeyNullableRelation[RewardClaim] = fields.ForeignKeyField(
        "models.RewardClaim", related_name="duplicates", null=True, on_delete=fields.RESTRICT
    )
    duplicate_of_id: int | None
    # the case whose reply decides this claim: its own, or the one it was merged into
    group_case_id = fields.BigIntField(db_index=True)
    # copied from the case for indexed candidate searches
    category_code = fields.CharField(max_length=32)
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    reported_at = fields.DatetimeField()
    phone_hash = fields.CharField(max_length=64, null=True, db_index=True)
    device_key = fields.CharField(max_length=64, null=True, db_index=True)
    # fraud signals: many_claims_phone, photo_reused...
    flags: fields.JSONField[list[str]] = fields.JSONField(default=list)
    flagged = fields.BooleanField(default=False)  # any flag: always decided by two admins
    verified = fields.BooleanField(null=True)
    verified_at = fields.DatetimeField(null=True)
    severity = fields.CharField(max_length=16, null=True)
    fine_fen = fields.BigIntField(null=True)
    max_amount_fen = fields.BigIntField(null=True)  # what the programme's rules allow
    amount_fen = fields.BigIntField(null=True)  # approved (or proposed by the first approver)
    first_approver_id = fields.IntField(null=True)
    first_approved_at = fields.DatetimeField(null=True)
    decided_by = fields.IntField(null=True)
    decided_at = fields.DatetimeField(null=True)
    deadline_at = fields.DatetimeField(null=True)  # to collect the reward
    last_audit_hash = fields.CharField(max_length=64, default="")
    audit_count = fields.IntField(default=0)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "reward_claim"
        indexes = (
            ("category_code", "lat", "lng"),
            ("status", "id"),
            ("citizen_id", "created_at"),
            ("duplicate_of_id",),
        )


class RewardPhoto(Model):
    """A photo of a claim: its hashes, and the four 16-bit dHash bands that index near matches."""

    id = fields.BigIntField(primary_key=True)
    claim: fields.ForeignKeyRelation[RewardClaim] = fields.ForeignKeyField(
        "models.RewardClaim", related_name="photos", on_delete=fields.CASCADE
    )
    claim_id: int
    photo_id = fields.BigIntField()
    sha256 = fields.CharField(max_length=64, db_index=True)
    dhash = fields.BigIntField()  # signed, as in photo.dhash
    band0 = fields.IntField(db_index=True)
    band1 = fields.IntField(db_index=True)
    band2 = fields.IntField(db_index=True)
    band3 = fields.IntField(db_index=True)

    class Meta:
        table = "reward_photo"
        indexes = (("claim_id",),)


class RewardPayout(Model):
    """Money going to a citizen by WeChat Pay transfer or at a service hall (manual)."""

    id = fields.BigIntField(primary_key=True)
    claim: fields.ForeignKeyRelation[RewardClaim] = fields.ForeignKeyField(
        "models.RewardClaim", related_name="payouts", on_delete=fields.RESTRICT
    )
    claim_id: int
    provider = fields.CharField(max_length=16)  # wechat, manual
    amount_fen = fields.BigIntField()
    status = fields.CharEnumField(PayoutStatus, max_length=16, default=PayoutStatus.pending)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    claimed_until = fields.DatetimeField(null=True)
    provider_ref = fields.CharField(max_length=64, null=True)  # payment_no, or hall staff id
    last_error: str | None = fields.TextField(null=True)
    code_hash = fields.CharField(max_length=64, null=True, unique=True)  # manual claim code
    # the claim code itself, sealed (hotline.crypto): shown to its citizen while awaiting pickup
    code_enc: str | None = fields.TextField(null=True)
    expires_at = fields.DatetimeField(null=True)
    paid_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "reward_payout"
        indexes = (("status", "next_attempt_at"), ("status", "expires_at"), ("claim_id",))


class RewardMonthly(Model):
    """Approved rewards per citizen, programme and month of the report (the monthly limits)."""

    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation[RewardProgram] = fields.ForeignKeyField(
        "models.RewardProgram", related_name="monthly", on_delete=fields.RESTRICT
    )
    program_id: int
    citizen_id = fields.BigIntField()
    month = fields.CharField(max_length=7)  # 2026-11, Asia/Shanghai
    count = fields.IntField(default=0)
    amount_fen = fields.BigIntField(default=0)

    class Meta:
        table = "reward_monthly"
        unique_together = (("program", "citizen_id", "month"),)


class RewardAudit(Model):
    """One change of a claim or its payouts, append-only, hash chained per claim."""

    id = fields.BigIntField(primary_key=True)
    claim: fields.ForeignKeyRelation[RewardClaim] = fields.ForeignKeyField(
        "models.RewardClaim", related_name="audit", on_delete=fields.RESTRICT
    )
    claim_id: int
    payout_id = fields.BigIntField(null=True)
    seq = fields.IntField()
    at = fields.DatetimeField()
    action = fields.CharField(max_length=32)
    actor_role = fields.CharField(max_length=16)
    actor_id = fields.CharField(max_length=32, null=True)
    data: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "reward_audit"
        unique_together = (("claim", "seq"),)
