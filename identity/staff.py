"""Staff accounts and kiosk devices."""

from __future__ import annotations

import secrets
from typing import Any

from audit import log as audit_log
from audit.log import Actor
from hotline import ratelimit, sqlread
from hotline import settings as settings_mod
from hotline.crypto import lookup_hash, token_digest
from hotline.errors import RateLimited, Unauthorized, ValidationProblem
from identity import tokens
from identity.passwords import hash_password, verify_password
from identity.phones import normalize_mobile
from identity.principal import Principal
from models.audit import LoginResult
from models.org import Device, Staff, StaffRole, Unit

LOCKED_DETAIL = "登录失败次数过多，账号或网络已被暂时锁定，请稍后再试"


def _lockouts() -> tuple[ratelimit.Lockout, ratelimit.Lockout]:
    s = settings_mod.current()
    user = ratelimit.Lockout(
        s.staff_login_user_failures, s.staff_login_lock_s, s.staff_login_lock_max_s,
        s.staff_login_memory_s,
    )
    ip = ratelimit.Lockout(
        s.staff_login_ip_failures, s.staff_login_lock_s, s.staff_login_lock_max_s,
        s.staff_login_memory_s,
    )
    return user, ip


async def staff_login(username: str, password: str, client_ip: str) -> dict[str, Any]:
    """Tokens for the right password; throttled per username and per client IP.

    A few failures lock the username (whether or not such an account exists) and, after more,
    the client IP, for a time that doubles with each further failure. While either is locked
    every attempt is the same 429, the right password included, and nothing is checked.
    Every attempt is recorded (``StaffLoginAttempt``) for the audit log.
    """
    user_policy, ip_policy = _lockouts()
    user_key = f"staff-login-user:{lookup_hash(username.casefold(), 'staff-login')}"
    ip_key = f"staff-login-ip:{client_ip}"
    staff = await Staff.get_or_none(username=username).prefetch_related("unit")
    locked = await ratelimit.locked_for(user_key, ip_key)
    if locked:
        await _record(username, staff, client_ip, LoginResult.locked)
        raise RateLimited(locked, LOCKED_DETAIL)
    right = verify_password(staff.password_hash if staff else None, password)
    if staff is None or not right or not staff.active:
        result = (
            LoginResult.unknown_user if staff is None
            else LoginResult.wrong_password if not right
            else LoginResult.inactive
        )
        await ratelimit.fail(user_key, user_policy)
        await ratelimit.fail(ip_key, ip_policy)
        await _record(username, staff, client_ip, result)
        raise Unauthorized("用户名或密码错误", code="invalid_credentials")
    await ratelimit.forget(user_key, user_policy)
    await _record(username, staff, client_ip, LoginResult.success)
    pair = await tokens.issue_pair(f"staff:{staff.id}")
    return pair | {
        "staff": {
            "id": staff.id,
            "username": staff.username,
            "roles": staff.roles,
            "unit": {"id": staff.unit.id, "name": staff.unit.name},
        }
    }


async def _record(username: str, staff: Staff | None, ip: str, result: LoginResult) -> None:
    """A ``staff.login`` entry in the audit log, in the account's unit (an unknown username:
    in none, which only the province's administrators read)."""
    scope = staff.unit.path if staff else audit_log.NO_UNIT
    await audit_log.record_alone(
        Actor(username[:64], staff.id if staff else None), "staff.login",
        f"staff:{username[:64]}", scope_path=scope, after={"result": result.value, "ip": ip[:64]},
    )


async def staff_principal(staff_id: int, issued_at: float | None = None) -> Principal:
    """The staff member a token names (on every staff request: one fixed statement)."""
    rows = await sqlread.fetch(_STAFF_PRINCIPAL, [staff_id, True])
    if not rows:
        raise Unauthorized("账号不可用", code="invalid_token")
    row = rows[0]
    if not tokens.issued_after_revocation(sqlread.when(row["sessions_revoked_at"]), issued_at):
        raise Unauthorized("登录已失效，请重新登录", code="invalid_token")
    return Principal(
        kind="staff",
        id=row["id"],
        roles=frozenset(sqlread.json_value(row["roles"])),
        unit_id=row["unit_id"],
        unit_path=row["unit_path"],
        name=row["username"],
        must_change_password=bool(row["must_change_password"]),
    )


_STAFF_PRINCIPAL = (
    "SELECT s.id, s.roles, s.username, s.must_change_password, s.sessions_revoked_at, "
    "u.id AS unit_id, u.path AS unit_path FROM staff s JOIN unit u ON u.id = s.unit_id "
    "WHERE s.id = ? AND s.active = ?"
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
