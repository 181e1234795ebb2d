"""Cases and their append-only, hash-chained timeline."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class CaseKind(StrEnum):
    consultation = "consultation"
    help = "help"
    complaint = "complaint"
    report = "report"
    suggestion = "suggestion"
    praise = "praise"


class Channel(StrEnum):
    app = "app"
    wechat_mini = "wechat_mini"
    wechat_oa = "wechat_oa"
    kiosk = "kiosk"
    web = "web"
    phone = "phone"
    letter = "letter"
    visit = "visit"
    partner = "partner"  # another system: 110, a unit's OA system, an Open311 client
    police_110 = "110"  # a non-emergency call transferred from 110 (POST /partner/cases)


class Case(Model):
    id = fields.BigIntField(primary_key=True)
    tracking_no = fields.CharField(max_length=20, unique=True)
    query_code_hash = fields.CharField(max_length=64)
    kind = fields.CharEnumField(CaseKind, max_length=16)
    category: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Category", related_name="cases", on_delete=fields.RESTRICT
    )
    category_id: str
    channel = fields.CharEnumField(Channel, max_length=16)
    status = fields.CharField(max_length=24, default="submitted")
    procedure = fields.CharField(max_length=16, null=True)
    title = fields.CharField(max_length=200, default="")
    content = fields.TextField()
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    address = fields.CharField(max_length=255, null=True)
    region: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Region", related_name="cases", null=True, on_delete=fields.RESTRICT
    )
    region_id: str | None
    occurred_at = fields.DatetimeField(null=True)
    anonymous = fields.BooleanField(default=False)
    confidential = fields.BooleanField(default=False)
    public = fields.BooleanField(default=False)
    citizen: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Citizen", related_name="cases", null=True, on_delete=fields.RESTRICT
    )
    citizen_id: int | None
    contact_phone_enc: str | None = fields.TextField(null=True)
    contact_phone_hash = fields.CharField(max_length=64, null=True, db_index=True)
    contact_name_enc: str | None = fields.TextField(null=True)
    device: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Device", related_name="cases", null=True, on_delete=fields.RESTRICT
    )
    device_id: int | None
    operator: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Staff", related_name="recorded_cases", null=True, on_delete=fields.RESTRICT
    )
    operator_id: int | None
    unit: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Unit", related_name="cases", null=True, on_delete=fields.RESTRICT
    )
    unit_id: int | None
    # path of the unit responsible now (the platform centre until dispatched): scope queries
    unit_path = fields.CharField(max_length=255, db_index=True)
    photo_ids: fields.JSONField[list[int]] = fields.JSONField(default=list)
    flags: fields.JSONField[list[str]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)
    due_dispatch = fields.DatetimeField(null=True)
    due_sign = fields.DatetimeField(null=True)
    due_transfer = fields.DatetimeField(null=True)
    due_notice = fields.DatetimeField(null=True)
    due_complete = fields.DatetimeField(null=True)
    next_due_kind = fields.CharField(max_length=16, null=True)
    next_due_at = fields.DatetimeField(null=True)
    warn_at = fields.DatetimeField(null=True)
    provisional_deadline = fields.BooleanField(default=False)
    # due kinds already met: "dispatch", "sign", ...
    met: fields.JSONField[list[str]] = fields.JSONField(default=list)
    # how each due time was computed ({kind: {rule, from, n, warn, prov}}), so it can be
    # recomputed when a calendar year is imported
    due_meta: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    held_status = fields.CharField(max_length=24, null=True)  # status to resume after a request
    co_unit_ids: fields.JSONField[list[int]] = fields.JSONField(default=list)
    parent: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Case", related_name="duplicates", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    dispatched_at = fields.DatetimeField(null=True)
    signed_at = fields.DatetimeField(null=True)
    replied_at = fields.DatetimeField(null=True, db_index=True)
    closed_at = fields.DatetimeField(null=True)
    reply_content: str | None = fields.TextField(null=True)
    reply_public = fields.BooleanField(default=False)
    reply_round = fields.IntField(default=0)
    rating = fields.IntField(null=True)  # latest score, 1..5
    extension_days = fields.IntField(default=0)
    extension_requested_days = fields.IntField(null=True)
    returned_count = fields.IntField(default=0)
    reopened_count = fields.IntField(default=0)
    completed_on_time = fields.BooleanField(null=True)
    close_reason = fields.CharField(max_length=16, null=True)  # rated, unrated, upheld, merged
    last_event_hash = fields.CharField(max_length=64, default="")
    event_count = fields.IntField(default=0)

    class Meta:
        table = "case"
        indexes = (
            ("unit_path", "next_due_at"),
            ("citizen_id", "id"),
            ("next_due_at", "warn_at"),
            # similar cases before filing: a bounding box within a category
            ("category_id", "lat", "lng"),
        )


class CaseEvent(Model):
    """One step of a case timeline, append-only, ``hash`` chaining over ``prev_hash``."""

    id = fields.BigIntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="events", on_delete=fields.RESTRICT
    )
    case_id: int
    seq = fields.IntField()
    at = fields.DatetimeField()
    action = fields.CharField(max_length=32)
    actor_role = fields.CharField(max_length=16)
    actor_id = fields.CharField(max_length=32, null=True)
    note = fields.TextField(default="")
    public = fields.BooleanField(default=True)
    data: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "case_event"
        unique_together = (("case", "seq"),)


class Rating(Model):
    """A citizen's rating of one reply round (好差评): 1 非常不满意 .. 5 非常满意."""

    id = fields.BigIntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="ratings", on_delete=fields.RESTRICT
    )
    case_id: int
    round = fields.IntField()
    score = fields.IntField()
    comment = fields.TextField(default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "rating"
        unique_together = (("case", "round"),)


class CaseTask(Model):
    """Work for supervisors: verify an unsatisfied rating, call a citizen back, decide a request."""

    id = fields.BigIntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="tasks", on_delete=fields.RESTRICT
    )
    case_id: int
    kind = fields.CharField(max_length=16)  # verification, callback, extension
    status = fields.CharField(max_length=8, default="open", db_index=True)  # open, done
    created_at = fields.DatetimeField()
    done_at = fields.DatetimeField(null=True)
    done_by = fields.IntField(null=True)
    result: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)

    class Meta:
        table = "case_task"
        indexes = (("kind", "status"),)


class CaseAlert(Model):
    """A reminder already sent: one per case, deadline and colour, however many workers run."""

    id = fields.BigIntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="alerts", on_delete=fields.RESTRICT
    )
    case_id: int
    due_kind = fields.CharField(max_length=16)
    due_at = fields.DatetimeField()
    colour = fields.CharField(max_length=12)  # yellow, red, supervise
    created_at = fields.DatetimeField()

    class Meta:
        table = "case_alert"
        unique_together = (("case", "due_kind", "due_at", "colour"),)
