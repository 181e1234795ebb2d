"""The transactional outbox: each message to a citizen or a unit is a row written with its cause."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class OutboxStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    delivered = "delivered"
    failed = "failed"
    dead = "dead"
    suppressed = "suppressed"  # the citizen turned every allowed channel off (not sent)
    cancelled = "cancelled"  # the recipient erased their account before it went out


class OutboxMessage(Model):
    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=16)  # sms, wechat_mini, wechat_oa, email, console
    template = fields.CharField(max_length=48)
    recipient_kind = fields.CharField(max_length=16)  # citizen, unit, staff, phone
    recipient_id = fields.CharField(max_length=64, null=True)
    address_enc: str | None = fields.TextField(null=True)  # phone / openid / e-mail, encrypted
    params_enc = fields.TextField()  # template parameters, encrypted (may hold codes)
    case: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Case", related_name="messages", null=True, on_delete=fields.RESTRICT
    )
    case_id: int | None
    status = fields.CharEnumField(OutboxStatus, max_length=12, default=OutboxStatus.pending)
    urgent = fields.BooleanField(default=False)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    provider_id = fields.CharField(max_length=128, null=True)
    provider_status = fields.CharField(max_length=64, null=True)
    last_error: str | None = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    receipt_checked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
        # the second: a partner's webhook deliveries, for its administrators (partners.deliveries)
        indexes = (("status", "next_attempt_at"), ("recipient_kind", "recipient_id"))


class DigestRun(Model):
    """A periodic e-mail already sent (a unit's daily digest, the supervisors' weekly summary)."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=16)  # daily, weekly
    recipient = fields.CharField(max_length=64)  # unit id, or "supervisors:<unit id>"
    period = fields.CharField(max_length=16)  # 2026-11-27, 2026-W48
    created_at = fields.DatetimeField()

    class Meta:
        table = "digest_run"
        unique_together = (("kind", "recipient", "period"),)
