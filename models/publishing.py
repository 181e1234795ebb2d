"""Published results: cases published with consent after review, and supervision notices.

A ``Publication`` holds only what a reviewer approved (redacted summary and result, the approved
photo ids, the street-level place, rounded coordinates) and never the original texts. It is
deleted on unpublishing, so no public path can serve it afterwards.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Publication(Model):
    """One published case (``public_id`` is random, never the tracking number)."""

    id = fields.BigIntField(primary_key=True)
    public_id = fields.CharField(max_length=16, unique=True)
    case: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Case", related_name="publications", on_delete=fields.CASCADE
    )
    case_id: int
    kind = fields.CharField(max_length=16)
    category_code = fields.CharField(max_length=32)
    region_code = fields.CharField(max_length=12, null=True)
    # the region's city and county by their GB/T 2260 codes (330106 → 330100, 330106), so a
    # city's or county's page walks one index newest first
    city_code = fields.CharField(max_length=6, null=True)
    county_code = fields.CharField(max_length=6, null=True)
    unit_name = fields.CharField(max_length=128, default="")
    place = fields.CharField(max_length=255, default="")
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    summary = fields.TextField()
    result = fields.TextField()
    photo_ids: fields.JSONField[list[int]] = fields.JSONField(default=list)
    # the citizen has the answer (Open311 "closed"); kept with the case by publishing.hooks
    closed = fields.BooleanField(default=True)
    submitted_at = fields.DatetimeField()
    published_at = fields.DatetimeField()
    published_by = fields.IntField()

    class Meta:
        table = "publication"
        unique_together = (("case",),)
        indexes = (
            ("submitted_at", "id"),
            ("category_code", "submitted_at", "id"),
            ("region_code", "submitted_at", "id"),
            ("city_code", "submitted_at", "id"),
            ("county_code", "submitted_at", "id"),
            ("closed", "submitted_at", "id"),
        )


class SupervisionNotice(Model):
    """A supervision notice (督办/督查通报) a supervisor wrote, public once published."""

    id = fields.BigIntField(primary_key=True)
    unit: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Unit", related_name="supervision_notices", on_delete=fields.RESTRICT
    )
    unit_id: int
    title = fields.CharField(max_length=200)
    text = fields.TextField()
    case_ids: fields.JSONField[list[int]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField()
    created_by = fields.IntField()
    published_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "supervision_notice"
