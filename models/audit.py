"""The audit log: one append-only, hash-chained record of administration, staff case actions,
reward decisions and staff sign-ins (``audit.log`` writes it; nothing in the product edits or
deletes an entry)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class LoginResult(StrEnum):
    """The outcome of one ``POST /auth/staff-login`` (``after.result`` of a ``staff.login``)."""

    success = "success"
    wrong_password = "wrong_password"
    unknown_user = "unknown_user"
    inactive = "inactive"  # the right account, deactivated
    locked = "locked"  # refused unchecked: the username or the client IP was locked out


class AuditEntry(Model):
    """One link of the audit chain: ``{at, actor, action, target, before, after}``."""

    id = fields.BigIntField(primary_key=True)
    seq = fields.BigIntField(unique=True)  # 1, 2, 3 … in chain order
    at = fields.DatetimeField(db_index=True)
    # who: a staff username, "system", "device:<id>", "citizen:<id>", or the username as typed
    # at a failed sign-in
    actor = fields.CharField(max_length=64)
    actor_id = fields.IntField(null=True)  # the staff account, when there is one
    action = fields.CharField(max_length=48)  # "unit.create", "case.sign", "staff.login" …
    target = fields.CharField(max_length=128)  # "unit:12", "case:2026…", "staff:alice" …
    # the unit subtree the entry belongs to: an admin reads the entries under its own unit
    scope_path = fields.CharField(max_length=255)
    before: fields.JSONField[dict | None] = fields.JSONField(null=True)
    after: fields.JSONField[dict | None] = fields.JSONField(null=True)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_entry"
        indexes = (("actor", "seq"), ("action", "seq"), ("scope_path", "seq"))


class AuditHead(Model):
    """The chain's head (one row, id 1): locked by every append, so links never fork."""

    id = fields.IntField(primary_key=True)
    count = fields.BigIntField(default=0)
    last_hash = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "audit_head"


class CacheGeneration(Model):
    """A counter per cached kind of reference data, raised by every change of it, so that every
    process drops its copy at once (``hotline.generations``)."""

    name = fields.CharField(max_length=32, primary_key=True)
    value = fields.BigIntField(default=0)

    class Meta:
        table = "cache_generation"
