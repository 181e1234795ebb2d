"""The knowledge base: service items (最多跑一次 事项), FAQ and policies, their saved versions, and
the synonym groups editors add to the built-in list.

``title_terms`` and ``body_terms`` hold the segmented text (``knowledge.segment.index_text``) the
full-text index is built from: migration 0014 adds an FTS5 table kept in step by triggers on
SQLite, and a generated, GIN-indexed tsvector column on PostgreSQL. Only published items are in
either index.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class KbKind(StrEnum):
    service = "service"  # an administrative service item
    faq = "faq"
    policy = "policy"


class KbState(StrEnum):
    draft = "draft"  # not searchable, not public
    published = "published"
    archived = "archived"  # withdrawn (DELETE): kept with its history, not public


class KbItem(Model):
    """One knowledge item, as last saved."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, null=True, unique=True)  # the demo data's stable key
    kind = fields.CharEnumField(KbKind, max_length=10)
    state = fields.CharEnumField(KbState, max_length=10, default=KbState.draft)
    title = fields.CharField(max_length=200)
    body = fields.TextField(default="")
    department = fields.CharField(max_length=128, default="")
    applicable = fields.TextField(default="")  # 适用对象
    materials: fields.JSONField[list[str]] = fields.JSONField(default=list)
    steps: fields.JSONField[list[str]] = fields.JSONField(default=list)
    time_limit_legal = fields.CharField(max_length=64, null=True)
    time_limit_promised = fields.CharField(max_length=64, null=True)
    fee = fields.CharField(max_length=200, null=True)
    online = fields.TextField(null=True)  # where and how to apply online
    location = fields.TextField(null=True)
    legal_basis = fields.TextField(null=True)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    updated_by = fields.CharField(max_length=64, default="")
    # what the full-text index reads: segmented, space-joined tokens
    title_terms = fields.TextField(default="")
    body_terms = fields.TextField(default="")

    class Meta:
        table = "kb_item"
        indexes = (("state", "kind", "id"),)


class KbItemVersion(Model):
    """One saved version of an item: every create, edit, publish, unpublish and archive."""

    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation[KbItem] = fields.ForeignKeyField(
        "models.KbItem", related_name="versions", on_delete=fields.CASCADE
    )
    item_id: int
    version = fields.IntField()
    action = fields.CharField(max_length=16)  # create, update, publish, unpublish, archive
    state = fields.CharField(max_length=10)
    data: fields.JSONField[dict] = fields.JSONField()  # the item's fields as saved
    editor = fields.CharField(max_length=64)
    at = fields.DatetimeField()

    class Meta:
        table = "kb_item_version"
        unique_together = (("item", "version"),)


class KbSynonym(Model):
    """A group of equivalent terms added by an editor (the built-in groups are in
    knowledge/data/synonyms.txt)."""

    id = fields.IntField(primary_key=True)
    terms: fields.JSONField[list[str]] = fields.JSONField()
    created_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()

    class Meta:
        table = "kb_synonym"


class KbPrecheck(Model):
    """A draft shown the knowledge base before filing (``POST /cases/precheck``).

    ``token`` is the ``precheck_id`` the client holds. The draft's text is not kept: only what
    the statistics count. ``unit_path`` scopes it like a case: a kiosk's unit, else the
    platform's root unit. A deflection (the citizen read ``deflected_item_id`` and did not
    file) is recorded once, a filing with the same ``precheck_id`` sets ``case_id``.
    """

    id = fields.BigIntField(primary_key=True)
    token = fields.CharField(max_length=32, unique=True)
    owner = fields.CharField(max_length=40)  # Principal.scope_key of the caller
    channel = fields.CharField(max_length=16)
    kind = fields.CharField(max_length=16)
    category_code = fields.CharField(max_length=32)
    unit_path = fields.CharField(max_length=255)
    kb_item_ids: fields.JSONField[list[int]] = fields.JSONField(default=list)
    similar_count = fields.IntField(default=0)
    created_at = fields.DatetimeField()
    deflected_item_id = fields.IntField(null=True)
    deflected_at = fields.DatetimeField(null=True)
    case_id = fields.BigIntField(null=True)
    filed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "kb_precheck"
        indexes = (("created_at", "unit_path"),)
