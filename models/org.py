"""Regions (GB/T 2260), units in a tree, categories, routing rules, staff and kiosk devices."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class RegionLevel(StrEnum):
    province = "province"
    city = "city"
    county = "county"
    township = "township"


class Region(Model):
    code = fields.CharField(max_length=12, primary_key=True)  # GB/T 2260 (6) or 9-digit township
    name = fields.CharField(max_length=64)
    level = fields.CharEnumField(RegionLevel, max_length=10)
    parent: fields.ForeignKeyNullableRelation[Region] = fields.ForeignKeyField(
        "models.Region", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    parent_id: str | None

    class Meta:
        table = "region"


class UnitKind(StrEnum):
    platform = "platform"  # the 12345 centre itself
    government = "government"
    department = "department"
    party = "party"
    congress = "congress"
    cppcc = "cppcc"
    court = "court"
    procuratorate = "procuratorate"
    public_service = "public_service"  # utilities, hospitals, schools


class Unit(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=128)
    kind = fields.CharEnumField(UnitKind, max_length=16, default=UnitKind.department)
    region: fields.ForeignKeyRelation[Region] = fields.ForeignKeyField(
        "models.Region", related_name="units", on_delete=fields.RESTRICT
    )
    region_id: str
    parent: fields.ForeignKeyNullableRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    # materialised path of ids, "/1/4/9/": a unit's subtree is every path with this prefix
    path = fields.CharField(max_length=255, db_index=True, default="")
    email = fields.CharField(max_length=254, null=True)
    # a deactivated unit keeps its history but takes no new cases (migration 0010)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "unit"


class Category(Model):
    code = fields.CharField(max_length=32, primary_key=True)
    name = fields.CharField(max_length=64)
    # case kinds this category accepts
    kinds: fields.JSONField[list[str]] = fields.JSONField(default=list)
    rewardable = fields.BooleanField(default=False)
    auto_dispatch = fields.BooleanField(default=False)
    default_procedure = fields.CharField(max_length=16, default="normal")
    parent: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    parent_id: str | None
    sort = fields.IntField(default=0)
    # an inactive category is not offered for new cases (migration 0010)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "category"


class RoutingRule(Model):
    """The default handling unit of a category in a region (the nearest region up the tree wins)."""

    id = fields.IntField(primary_key=True)
    category: fields.ForeignKeyRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="rules", on_delete=fields.CASCADE
    )
    category_id: str
    region: fields.ForeignKeyRelation[Region] = fields.ForeignKeyField(
        "models.Region", related_name="rules", on_delete=fields.CASCADE
    )
    region_id: str
    unit: fields.ForeignKeyRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="rules", on_delete=fields.CASCADE
    )
    unit_id: int

    class Meta:
        table = "routing_rule"
        unique_together = (("category", "region"),)


class StaffRole(StrEnum):
    operator = "operator"
    dispatcher = "dispatcher"
    handler = "handler"
    supervisor = "supervisor"
    reward_admin = "reward_admin"
    admin = "admin"
    kb_editor = "kb_editor"  # edits the knowledge base
    publisher = "publisher"  # reviews and publishes consenting cases (published results)


class Staff(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=64, default="")
    password_hash = fields.CharField(max_length=255)
    roles: fields.JSONField[list[str]] = fields.JSONField(default=list)
    unit: fields.ForeignKeyRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="staff", on_delete=fields.RESTRICT
    )
    unit_id: int
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # keyed hash of the staff member's mobile: staff of the responsible unit get no reward
    phone_hash = fields.CharField(max_length=64, null=True, db_index=True)
    # the same mobile encrypted (hotline.crypto), shown masked to administrators (migration 0011)
    phone_enc = fields.CharField(max_length=255, null=True)
    # POST /auth/logout {"all": true}: tokens issued before this are refused (migration 0007)
    sessions_revoked_at = fields.DatetimeField(null=True)
    # set by an administrator's password reset: only changing the password is allowed until then
    must_change_password = fields.BooleanField(default=False)

    class Meta:
        table = "staff"


class Device(Model):
    """A self-service kiosk, of which only a digest of its key is stored."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64)
    unit: fields.ForeignKeyRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="devices", on_delete=fields.RESTRICT
    )
    unit_id: int
    key_digest = fields.CharField(max_length=64, unique=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "device"
