"""Staff accounts and kiosk devices."""

from __future__ import annotations

from typing import Any

from audit import log as audit_log
from audit.log import Actor
from hotline import ratelimit, sqlread
from hotline.crypto import token_digest
from hotline.errors import RateLimited, Unauthorized
from identity import devices, staff_admin, tokens
from identity.passwords import verify_password
from identity.principal import Principal
from identity.throttle import LOCKED_DETAIL, lockouts, user_lock_key
from models.audit import LoginResult
from models.org import Device, Staff, Unit


async def staff_login(username: str, password: str, client_ip: str) -> dict[str, Any]:
    """Tokens for the right password (:func:`authenticate`, then :func:`session_of`)."""
    staff = await authenticate(username, password, client_ip)
    return await session_of(staff.id, staff)


async def authenticate(username: str, password: str, client_ip: str) -> Staff:
    """The active account the right password names (its unit loaded), for the API's tokens
    and the console's sessions alike; throttled per username and per client IP.

    A few failures lock the username (whether or not such an account exists) and, after more,
    the client IP, for a time that doubles with each further failure. While either is locked
    every attempt is the same 429, the right password included, and nothing is checked.
    Every attempt is recorded in the audit log (``staff.login``).
    """
    user_policy, ip_policy = lockouts()
    user_key = user_lock_key(username)
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
    return staff


async def session_of(staff_id: int, staff: Staff | None = None) -> dict[str, Any]:
    """A fresh token pair for an account, with who it is (the reply of a sign-in)."""
    staff = staff or await Staff.get(id=staff_id).prefetch_related("unit")
    pair = await tokens.issue_pair(f"staff:{staff.id}")
    return pair | {
        "staff": {
            "id": staff.id,
            "username": staff.username,
            "roles": staff.roles,
            "unit": {"id": staff.unit.id, "name": staff.unit.name},
        },
        # set by an administrator's reset: only POST /auth/staff-password is allowed until then
        "must_change_password": staff.must_change_password,
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
    """:func:`identity.staff_admin.create_staff` as the system (commands, tests)."""
    made = await staff_admin.create_staff(
        Actor(audit_log.SYSTEM), username=username, password=password, roles=roles,
        unit_id=unit.id, phone=phone, display_name=display_name or None,
    )
    return await Staff.get(id=made["id"])


async def create_device(name: str, unit: Unit) -> tuple[Device, str]:
    """A new kiosk registered by the system (:func:`identity.devices.register`); the returned
    key is shown once and only its digest is kept."""
    made, key = await devices.register(Actor(audit_log.SYSTEM), name, unit.id)
    return await Device.get(id=made["id"]), key


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
