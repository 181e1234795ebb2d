"""Operational records: idempotency keys, rate-limit buckets, refresh tokens."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class IdempotencyRecord(Model):
    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=64)  # who asked: "citizen:12", "device:3", "staff:5"
    key = fields.CharField(max_length=100)
    request_hash = fields.CharField(max_length=64)
    status_code = fields.IntField()
    body_enc = fields.TextField()  # the reply, encrypted: it may carry the query code
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "idempotency_record"
        unique_together = (("scope", "key"),)


class RateBucket(Model):
    """A fixed-window counter (used when Redis is not configured)."""

    key = fields.CharField(max_length=128)
    window = fields.BigIntField()
    count = fields.IntField(default=0)
    id = fields.BigIntField(primary_key=True)

    class Meta:
        table = "rate_bucket"
        unique_together = (("key", "window"),)


class RefreshToken(Model):
    jti = fields.CharField(max_length=64, primary_key=True)
    subject = fields.CharField(max_length=64, db_index=True)
    expires_at = fields.DatetimeField()
    used = fields.BooleanField(default=False)

    class Meta:
        table = "refresh_token"


class DailyCounter(Model):
    """Per-day sequence behind tracking numbers (20261127-000123)."""

    day = fields.CharField(max_length=8, primary_key=True)
    value = fields.BigIntField(default=0)

    class Meta:
        table = "daily_counter"


class JobLease(Model):
    """Who runs a periodic job (``hotline.leases``): one holder until ``until`` (epoch ms)."""

    name = fields.CharField(max_length=64, primary_key=True)
    holder = fields.CharField(max_length=128, default="")
    until = fields.BigIntField(default=0)

    class Meta:
        table = "job_lease"
