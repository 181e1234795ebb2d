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
    # real-name identity: the ID number sealed (AES-GCM) and as a keyed lookup hash, bound to
    # one account only; name_enc holds the verified name
    id_number_enc = fields.TextField(null=True)
    id_number_hash = fields.CharField(max_length=64, null=True, unique=True)
    real_name_method = fields.CharField(max_length=16, null=True)  # counter | kiosk | online
    real_name_verified_at = fields.DatetimeField(null=True)
    # notification preferences (login codes and messages a rule requires go regardless)
    notify_sms = fields.BooleanField(default=True)
    notify_wechat = fields.BooleanField(default=True)
    erased_at = fields.DatetimeField(null=True)  # DELETE /me: identity erased, row kept for FKs
    # POST /auth/logout {"all": true}: tokens issued before this are refused (migration 0007)
    sessions_revoked_at = fields.DatetimeField(null=True)
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


class RealNameVerification(Model):
    """One real-name verification (append-only): who verified whom, how and when."""

    id = fields.BigIntField(primary_key=True)
    citizen: fields.ForeignKeyRelation[Citizen] = fields.ForeignKeyField(
        "models.Citizen", related_name="verifications", on_delete=fields.CASCADE
    )
    citizen_id: int
    method = fields.CharField(max_length=16)  # counter | kiosk | online
    staff_id = fields.IntField(null=True)  # the operator or reward administrator at a counter
    device_id = fields.IntField(null=True)  # the kiosk whose ID-card reader read the card
    provider_ref = fields.CharField(max_length=128, null=True)  # the online provider's id
    at = fields.DatetimeField()

    class Meta:
        table = "real_name_verification"
