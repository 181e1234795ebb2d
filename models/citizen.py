"""Citizens: phone encrypted at rest with a keyed hash for lookup, WeChat identities."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Citizen(Model):
    id = fields.BigIntField(primary_key=True)
    phone_enc: str | None = fields.TextField(null=True)
    phone_hash = fields.CharField(max_length=64, null=True, unique=True)
    name_enc: str | None = fields.TextField(null=True)
    openid_mini = fields.CharField(max_length=64, null=True, unique=True)
    openid_oa = fields.CharField(max_length=64, null=True, unique=True)
    unionid = fields.CharField(max_length=64, null=True, unique=True)
    real_name_verified = fields.BooleanField(default=False)
    session_key_enc: str | None = fields.TextField(null=True)  # mini-program session_key, encrypted
    oa_follower = fields.BooleanField(default=False)  # follows the official account
    oa_followed_at = fields.DatetimeField(null=True)
    merged_into_id = fields.BigIntField(null=True)  # set when merged with another citizen
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "citizen"


class SmsCode(Model):
    """A login code, of which only a keyed hash is stored."""

    id = fields.BigIntField(primary_key=True)
    phone_hash = fields.CharField(max_length=64, db_index=True)
    code_hash = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField()
    attempts = fields.IntField(default=0)
    consumed = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sms_code"
