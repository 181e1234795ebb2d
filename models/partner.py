"""Partner systems (110, a unit's own OA system, civic-tech clients) and what they filed."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Partner(Model):
    """A system with an API key: only a keyed digest of the key and the sealed webhook secret."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64)
    # what it may do: "cases:create", "cases:read", "events"
    scopes: fields.JSONField[list[str]] = fields.JSONField(default=list)
    # a unit's OA system acts for that unit (and its subtree); none: province-wide
    unit: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Unit", related_name="partners", null=True, on_delete=fields.RESTRICT
    )
    unit_id: int | None
    webhook_url = fields.CharField(max_length=512, null=True)
    webhook_secret_enc = fields.TextField()  # AES-GCM (hotline.crypto): signing needs it back
    key_digest = fields.CharField(max_length=64, unique=True)  # keyed hash of the API key
    # the key before the last rotation, still accepted until ``old_key_until``
    old_key_digest = fields.CharField(max_length=64, null=True, db_index=True)
    old_key_until = fields.DatetimeField(null=True)
    # the secret before the last rotation: deliveries carry both signatures until then
    old_secret_enc: str | None = fields.TextField(null=True)
    old_secret_until = fields.DatetimeField(null=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "partner"


class PartnerSubmission(Model):
    """A case a partner filed through Open311, and the token it was given for it."""

    id = fields.BigIntField(primary_key=True)
    token = fields.CharField(max_length=40, unique=True)
    partner: fields.ForeignKeyRelation[Partner] = fields.ForeignKeyField(
        "models.Partner", related_name="submissions", on_delete=fields.RESTRICT
    )
    partner_id: int
    case: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Case", related_name="partner_submissions", on_delete=fields.RESTRICT
    )
    case_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "partner_submission"
        unique_together = (("partner", "case"),)


class PartnerCase(Model):
    """A case a partner transferred in (``POST /partner/cases``) under its own ``external_id``:
    one case per partner and external id, whatever the retries."""

    id = fields.BigIntField(primary_key=True)
    partner: fields.ForeignKeyRelation[Partner] = fields.ForeignKeyField(
        "models.Partner", related_name="cases", on_delete=fields.RESTRICT
    )
    partner_id: int
    external_id = fields.CharField(max_length=64)
    case: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Case", related_name="partner_links", on_delete=fields.RESTRICT
    )
    case_id: int
    created_at = fields.DatetimeField()

    class Meta:
        table = "partner_case"
        unique_together = (("partner", "external_id"),)
        indexes = (("case_id",),)
