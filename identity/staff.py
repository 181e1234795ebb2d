"""Staff accounts and kiosk devices."""

from __future__ import annotations

import secrets
from typing import Any

from hotline.crypto import lookup_hash, token_digest
from hotline.errors import Unauthorized, ValidationProblem
from identity import tokens
from identity.passwords import hash_password, verify_password
from identity.phones import normalize_mobile
from identity.principal import Principal
from models.org import Device, Staff, StaffRole, Unit


async def staff_login(username: str, password: str) -> dict[str, Any]:
    staff = await Staff.get_or_none(username=username, active=True).prefetch_related("unit")
    if not verify_password(staff.password_hash if staff else None, password) or staff is None:
        raise Unauthorized("用户名或密码错误", code="invalid_credentials")
    pair = await tokens.issue_pair(f"staff:{staff.id}")
    return pair | {
        "staff": {
            "id": staff.id,
            "username": staff.username,
            "roles": staff.roles,
            "unit": {"id": staff.unit.id, "name": staff.unit.name},
        }
    }


async def staff_principal(staff_id: int) -> Principal:
    staff = await Staff.get_or_none(id=staff_id, active=True).prefetch_related("unit")
    if staff is None:
        raise Unauthorized("账号不可用", code="invalid_token")
    return Principal(
        kind="staff",
        id=staff.id,
        roles=frozenset(staff.roles),
        unit_id=staff.unit.id,
        unit_path=staff.unit.path,
    )


async def create_staff(
    username: str,
    password: str,
    roles: list[str],
    unit: Unit,
    display_name: str = "",
    phone: str | None = None,
) -> Staff:
    for role in roles:
        if role not in StaffRole.__members__:
            raise ValidationProblem(f"unknown role {role!r}")
    if len(password) < 8:
        raise ValidationProblem("password must have at least 8 characters")
    return await Staff.create(
        username=username,
        password_hash=hash_password(password),
        roles=roles,
        unit=unit,
        display_name=display_name or username,
        # kept as a keyed hash only: staff may not claim rewards for their own units' cases
        phone_hash=lookup_hash(normalize_mobile(phone)) if phone else None,
    )


async def create_device(name: str, unit: Unit) -> tuple[Device, str]:
    """A new kiosk; the returned key is shown once and only its digest is kept."""
    key = "kiosk_" + secrets.token_urlsafe(32)
    device = await Device.create(name=name, unit=unit, key_digest=token_digest(key))
    return device, key


async def device_principal(key: str) -> Principal:
    device = await Device.get_or_none(key_digest=token_digest(key), active=True).prefetch_related(
        "unit"
    )
    if device is None:
        raise Unauthorized("设备未登记或已停用", code="invalid_device_key")
    return Principal(
        kind="device", id=device.id, channel="kiosk", unit_id=device.unit.id,
        unit_path=device.unit.path,
    )
