"""Security records kept for the audit log: every staff sign-in attempt."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class LoginResult(StrEnum):
    success = "success"
    wrong_password = "wrong_password"
    unknown_user = "unknown_user"
    inactive = "inactive"  # the right account, deactivated
    locked = "locked"  # refused unchecked: the username or the client IP was locked out


class StaffLoginAttempt(Model):
    """One ``POST /auth/staff-login``, whatever its outcome (append-only)."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    username = fields.CharField(max_length=64)  # as typed (unknown usernames too)
    staff_id = fields.IntField(null=True, db_index=True)  # the account, when one has that name
    ip = fields.CharField(max_length=64)  # the client IP as app_api.deps.client_ip decided it
    result = fields.CharEnumField(LoginResult, max_length=16)

    class Meta:
        table = "staff_login_attempt"
        indexes = (("username", "at"),)
