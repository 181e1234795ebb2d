"""Photo evidence: stripped variants stored by content hash, EXIF facts kept as evidence."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Photo(Model):
    id = fields.BigIntField(primary_key=True)
    owner_kind = fields.CharField(max_length=16)  # citizen, device, staff
    owner_id = fields.CharField(max_length=32)
    sha256 = fields.CharField(max_length=64)  # of the original upload
    content_type = fields.CharField(max_length=32)  # of the original
    width = fields.IntField()
    height = fields.IntField()
    taken_at = fields.DatetimeField(null=True)
    gps_lat = fields.FloatField(null=True)
    gps_lng = fields.FloatField(null=True)
    display_key = fields.CharField(max_length=64)
    thumb_key = fields.CharField(max_length=64)
    variant_type = fields.CharField(max_length=32, default="image/jpeg")
    dhash = fields.BigIntField()
    case: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Case", related_name="photos", null=True, on_delete=fields.SET_NULL
    )
    case_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "photo"
        unique_together = (("owner_kind", "owner_id", "sha256"),)
