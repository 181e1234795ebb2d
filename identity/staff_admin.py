"""Staff accounts as administrators manage them, and a staff member's own password change.

An administrator manages the accounts of its unit's subtree: an account outside it does not
exist for the caller (404), a unit outside it is an unknown reference (422). Deactivating an
account or resetting its password ends every session of it at once; a reset also makes the
account change its password before anything else. An administrator may not deactivate itself,
drop its own ``admin`` role or reset its own password here (409): another administrator must.

``who`` is the signed-in administrator, or an :class:`audit.log.Actor` (the ``hotline``
commands and the demo seed: everywhere).
"""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, RawSQL
from tortoise.transactions import in_transaction

from audit import log as audit_log
from audit.log import Actor
from hotline.crypto import decrypt, encrypt, lookup_hash, mask_phone
from hotline.db import lock_first
from hotline.errors import Conflict, NotFound, Problem, ValidationProblem, field_problem
from hotline.timefmt import iso
from identity import tokens
from identity.passwords import check_strength, hash_password
from identity.phones import normalize_mobile
from identity.principal import Principal
from identity.throttle import check_password_throttled
from models.org import Staff, StaffRole, Unit
from organisation import pages, units
from organisation.scope import ADMIN

Who = Principal | Actor
NOT_NULL = ("roles", "unit_id", "active", "display_name")


def view(staff: Staff, unit: Unit) -> dict[str, Any]:
    return {
        "id": staff.id, "username": staff.username, "display_name": staff.display_name,
        "roles": list(staff.roles), "unit": {"id": unit.id, "name": unit.name},
        "phone": mask_phone(decrypt(staff.phone_enc)), "active": staff.active,
        "must_change_password": staff.must_change_password, "created_at": iso(staff.created_at),
    }


def _roles(roles: list[str]) -> list[str]:
    unknown = [r for r in roles if r not in StaffRole.__members__]
    if unknown or not roles:
        detail = f"未知角色：{'、'.join(unknown)}" if unknown else "至少需要一个角色"
        raise field_problem("roles", detail, "unknown_role")
    return sorted(set(roles), key=roles.index)


def _phone(phone: str | None) -> tuple[str | None, str | None]:
    """The keyed hash (for reward checks) and the ciphertext (for the mask) of a mobile."""
    if not phone:
        return None, None
    try:
        number = normalize_mobile(phone)
    except Problem:
        raise field_problem("phone", "手机号码格式不正确", "invalid_phone") from None
    return lookup_hash(number), encrypt(number)


def _duplicate() -> Problem:
    return field_problem("username", "用户名已被使用", "duplicate_username", 409)


async def list_staff(
    who: Principal, *, q: str | None = None, unit_id: int | None = None,
    role: str | None = None, active: bool | None = None, limit: int = 20,
    cursor: str | None = None,
) -> dict[str, Any]:
    """The accounts of the caller's subtree, in id order."""
    query = Staff.filter(unit__path__startswith=who.unit_path or "/-")
    if q:
        query = query.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    if unit_id is not None:
        query = query.filter(unit_id=unit_id)
    if role is not None:  # roles is a JSON list: its text holds "role" with the quotes
        if role not in StaffRole.__members__:
            raise ValidationProblem(f"未知角色 {role!r}", code="unknown_role")
        query = query.annotate(roles_text=RawSQL("CAST(roles AS TEXT)")).filter(
            roles_text__contains=f'"{StaffRole(role).value}"')
    if active is not None:
        query = query.filter(active=active)
    rows, next_cursor = await pages.by_id(query.prefetch_related("unit"), limit, cursor, "staff")
    return {"items": [view(s, s.unit) for s in rows], "next_cursor": next_cursor}


async def staff_at(who: Who, staff_id: int, conn: BaseDBAsyncClient | None = None) -> Staff:
    """The account a path names, locked within ``conn``: 404 when missing or outside scope."""
    staff = await (lock_first(conn, Staff, id=staff_id) if conn else Staff.get_or_none(id=staff_id))
    if staff is None:
        raise NotFound("工作人员不存在", code="staff_not_found")
    unit = await Unit.get(id=staff.unit_id, using_db=conn)
    if not units.in_scope(who, unit.path):
        raise NotFound("工作人员不存在", code="staff_not_found")
    return staff


async def get_staff(who: Principal, staff_id: int) -> dict[str, Any]:
    staff = await staff_at(who, staff_id)
    return view(staff, await Unit.get(id=staff.unit_id))


async def create_staff(
    who: Who, *, username: str, password: str, roles: list[str], unit_id: int,
    phone: str | None = None, display_name: str | None = None,
) -> dict[str, Any]:
    """A new account (active) in an active unit of the scope; 409 for a username in use."""
    roles = _roles(roles)
    unit = await units.unit_ref(who, unit_id, "unit_id", active=True)
    check_strength(password, username)
    phone_hash, phone_enc = _phone(phone)
    if await Staff.exists(username=username):
        raise _duplicate()
    try:
        async with in_transaction() as conn:
            staff = await Staff.create(
                username=username, password_hash=hash_password(password), roles=roles,
                unit=unit, display_name=display_name or username, phone_hash=phone_hash,
                phone_enc=phone_enc, using_db=conn,
            )
            after = {k: v for k, v in view(staff, unit).items() if k not in ("id", "created_at")}
            await audit_log.record(conn, who, "staff.create", f"staff:{username}",
                                   scope_path=unit.path, after=after)
    except IntegrityError as exc:  # the same username, created concurrently
        raise _duplicate() from exc
    return view(staff, unit)


def _is_self(who: Who, staff: Staff) -> bool:
    return isinstance(who, Principal) and who.kind == "staff" and who.id == staff.id


async def update_staff(who: Who, staff_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change roles, unit, phone, display name or active. Deactivating ends every session."""
    for name in NOT_NULL:
        if name in changes and changes[name] is None:
            raise field_problem(name, "不能为空", "validation_error")
    roles = _roles(changes["roles"]) if "roles" in changes else None
    phone = _phone(changes["phone"]) if "phone" in changes else None
    async with in_transaction() as conn:
        staff = await staff_at(who, staff_id, conn)
        unit = await Unit.get(id=staff.unit_id, using_db=conn)
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        if roles is not None and roles != staff.roles:
            if _is_self(who, staff) and ADMIN not in roles:
                raise Conflict("不能取消自己的管理员角色", code="own_admin_role")
            before["roles"], after["roles"] = staff.roles, roles
            staff.roles = roles
        if "unit_id" in changes and changes["unit_id"] != staff.unit_id:
            new = await units.unit_ref(who, changes["unit_id"], "unit_id", active=True, conn=conn)
            before["unit_id"], after["unit_id"] = staff.unit_id, new.id
            staff.unit_id, unit = new.id, new
        if phone is not None and phone[0] != staff.phone_hash:
            before["phone"] = mask_phone(decrypt(staff.phone_enc))
            after["phone"] = mask_phone(decrypt(phone[1]))
            staff.phone_hash, staff.phone_enc = phone
        if "display_name" in changes and changes["display_name"] != staff.display_name:
            before["display_name"] = staff.display_name
            staff.display_name = after["display_name"] = changes["display_name"]
        if "active" in changes and changes["active"] != staff.active:
            if _is_self(who, staff):
                raise Conflict("不能停用自己的账号", code="own_account")
            if changes["active"] and not unit.active:
                raise Conflict("所在单位已停用，请先调整单位", code="unit_inactive")
            before["active"], staff.active = staff.active, changes["active"]
            after["active"] = staff.active
        if not after:
            return view(staff, unit)
        fields = {"phone": ["phone_hash", "phone_enc"]}
        await staff.save(using_db=conn, update_fields=[
            column for f in after for column in fields.get(f, [f])])
        if after.get("active") is False:
            await tokens.revoke_all(f"staff:{staff.id}", using_db=conn)
        await audit_log.record(conn, who, "staff.update", f"staff:{staff.username}",
                               scope_path=unit.path, before=before, after=after)
    return view(staff, unit)


async def reset_password(who: Who, staff_id: int, password: str) -> dict[str, Any]:
    """An administrator's reset: a new password that must be changed at the next sign-in;
    every session of the account ends now. (The password is hashed before the transaction:
    argon2 takes tens of milliseconds, and SQLite has one writer.)"""
    new_hash = hash_password(password)
    async with in_transaction() as conn:
        staff = await staff_at(who, staff_id, conn)
        if _is_self(who, staff):
            raise Conflict("请通过 POST /auth/staff-password 修改自己的密码",
                           code="own_password")
        check_strength(password, staff.username)
        staff.password_hash, staff.must_change_password = new_hash, True
        await staff.save(using_db=conn, update_fields=["password_hash", "must_change_password"])
        await tokens.revoke_all(f"staff:{staff.id}", using_db=conn)
        unit = await Unit.get(id=staff.unit_id, using_db=conn)
        await audit_log.record(conn, who, "staff.password_reset", f"staff:{staff.username}",
                               scope_path=unit.path, after={"must_change_password": True})
    return view(staff, unit)


async def change_own_password(who: Principal, old_password: str, new_password: str) -> Staff:
    """A staff member's own change: the old password, a strong new one that differs. Clears
    ``must_change_password`` and ends every other session (the caller gets a new pair). A
    wrong old password counts against the sign-in lockout of the username. Both argon2 steps
    run before the transaction, which then makes sure the password is still the one checked."""
    staff = await Staff.get_or_none(id=who.id, active=True)
    if staff is None:
        raise NotFound("工作人员不存在", code="staff_not_found")
    if not await check_password_throttled(staff.username, staff.password_hash, old_password):
        raise field_problem("old_password", "原密码不正确", "wrong_password")
    if new_password == old_password:
        raise field_problem("new_password", "新密码不能与原密码相同", "same_password")
    check_strength(new_password, staff.username, "new_password")
    new_hash = hash_password(new_password)
    async with in_transaction() as conn:
        current = await lock_first(conn, Staff, id=who.id, active=True)
        if current is None or current.password_hash != staff.password_hash:
            raise Conflict("密码刚被修改过，请重新登录后再试", code="password_changed")
        was = current.must_change_password
        current.password_hash, current.must_change_password = new_hash, False
        await current.save(using_db=conn,
                           update_fields=["password_hash", "must_change_password"])
        await tokens.revoke_all(f"staff:{current.id}", using_db=conn)
        unit = await Unit.get(id=current.unit_id, using_db=conn)
        await audit_log.record(conn, who, "staff.password_change", f"staff:{current.username}",
                               scope_path=unit.path, before={"must_change_password": was},
                               after={"must_change_password": False})
    return current
