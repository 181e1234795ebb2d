"""Units: the organisation's tree, administered within the administrator's subtree.

A unit's ``path`` ("/1/4/9/") is the ids from the root down; a subtree is every path with that
prefix, and every case carries the path of its responsible unit (``Case.unit_path``). Moving a
unit rewrites both for the whole subtree in the same transaction. A deactivated unit keeps its
history but takes no new cases, staff, kiosks or routing suggestions; it can only be
deactivated once nothing open or active is left in it.

``who`` is the signed-in administrator (its scope applies), or an :class:`audit.log.Actor`
(the ``hotline`` commands and the demo seed: everywhere, and only it may create a root).
"""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from audit import log as audit_log
from audit.log import Actor
from casework import reference
from casework.transitions import OPEN_STATES
from hotline.db import dialect_sql, flat_values, lock_first
from hotline.errors import Conflict, NotFound, field_problem
from identity.principal import Principal
from models.case import Case
from models.org import Device, Region, Staff, Unit, UnitKind
from organisation import pages, scope

Who = Principal | Actor
PATH_MAX = 255  # Unit.path and Case.unit_path
NOT_NULL = ("name", "region_code", "kind", "parent_id", "active")


def view(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind.value,
        "region_code": unit.region_id, "parent_id": unit.parent_id, "path": unit.path,
        "email": unit.email, "active": unit.active,
    }


def in_scope(who: Who, path: str) -> bool:
    return isinstance(who, Actor) or scope.covers(who, path)


async def unit_at(who: Who, unit_id: int, conn: BaseDBAsyncClient | None = None) -> Unit:
    """The unit a path names: 404 when missing or outside the scope (locked within ``conn``)."""
    unit = await (lock_first(conn, Unit, id=unit_id) if conn else Unit.get_or_none(id=unit_id))
    if unit is None or not in_scope(who, unit.path):
        raise NotFound("单位不存在", code="unit_not_found")
    return unit


async def unit_ref(
    who: Who, unit_id: int, field: str = "unit_id", *, active: bool = False,
    conn: BaseDBAsyncClient | None = None,
) -> Unit:
    """The unit a body refers to: 422 naming ``field`` when missing or outside the scope, or
    (``active``) deactivated."""
    unit = await Unit.get_or_none(id=unit_id, using_db=conn)
    if unit is None or not in_scope(who, unit.path):
        raise scope.unknown(field, "单位不存在或不在您的管理范围内")
    if active and not unit.active:
        raise field_problem(field, "该单位已停用", "unit_inactive")
    return unit


async def list_units(
    who: Principal, *, q: str | None = None, parent_id: int | None = None,
    active: bool | None = None, limit: int = 20, cursor: str | None = None,
) -> dict[str, Any]:
    """The units of the caller's subtree (itself included), in id order."""
    query = Unit.filter(path__startswith=who.unit_path or "/-")
    if q:
        query = query.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if parent_id is not None:
        query = query.filter(parent_id=parent_id)
    if active is not None:
        query = query.filter(active=active)
    rows, next_cursor = await pages.by_id(query, limit, cursor, "units")
    return {"items": [view(u) for u in rows], "next_cursor": next_cursor}


async def _region(code: str) -> str:
    if not await Region.exists(code=code):
        raise field_problem("region_code", "行政区划代码不存在", "unknown_region")
    return code


def _duplicate_code() -> Exception:
    return field_problem("code", "单位代码已被使用", "duplicate_code", 409)


async def create_unit(
    who: Who, *, code: str, name: str, region_code: str, parent_id: int | None,
    email: str | None = None, kind: str | None = None,
) -> dict[str, Any]:
    """A new unit under ``parent_id`` (active, inside the scope); 409 for a code in use."""
    await _region(region_code)
    if parent_id is None and not isinstance(who, Actor):
        raise field_problem("parent_id", "须指定上级单位", "validation_error")
    parent = None
    if parent_id is not None:
        parent = await unit_ref(who, parent_id, "parent_id")
        if not parent.active:
            raise field_problem("parent_id", "上级单位已停用", "parent_inactive")
    if await Unit.exists(code=code):
        raise _duplicate_code()
    try:
        async with in_transaction() as conn:
            unit = await Unit.create(
                code=code, name=name, region_id=region_code, parent=parent, email=email,
                kind=UnitKind(kind) if kind else UnitKind.department, using_db=conn,
            )
            unit.path = f"{parent.path if parent else '/'}{unit.id}/"
            if len(unit.path) > PATH_MAX:
                raise field_problem("parent_id", "单位层级过深", "too_deep")
            await unit.save(using_db=conn, update_fields=["path"])
            after = {k: v for k, v in view(unit).items() if k != "id"}
            await audit_log.record(conn, who, "unit.create", f"unit:{unit.id}",
                                   scope_path=unit.path, after=after)
    except IntegrityError as exc:  # the same code, created concurrently
        raise _duplicate_code() from exc
    reference.invalidate()
    return view(unit)


async def update_unit(who: Who, unit_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Rename, re-region, re-kind, move (``parent_id``), deactivate or reactivate a unit.

    ``changes`` holds the fields given (``email: None`` clears it). The caller's own unit may
    be edited but not moved or deactivated.
    """
    for name in NOT_NULL:
        if name in changes and changes[name] is None:
            raise field_problem(name, "不能为空", "validation_error")
    if "region_code" in changes:
        await _region(changes["region_code"])
    async with in_transaction() as conn:
        unit = await unit_at(who, unit_id, conn)
        own = isinstance(who, Principal) and unit.path == who.unit_path
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}

        def change(field: str, attr: str, value: Any) -> None:
            old = getattr(unit, attr)
            if old != value:
                before[field], after[field] = old, value
                setattr(unit, attr, value)

        for field in ("name", "email"):
            if field in changes:
                change(field, field, changes[field])
        if "region_code" in changes:
            change("region_code", "region_id", changes["region_code"])
        if "kind" in changes:
            change("kind", "kind", UnitKind(changes["kind"]))
        old_path = unit.path
        if "parent_id" in changes and changes["parent_id"] != unit.parent_id:
            if own:
                raise Conflict("不能移动自己所在的单位", code="own_unit")
            await _check_move(who, unit, changes["parent_id"], conn)
            change("parent_id", "parent_id", changes["parent_id"])
            before["path"], after["path"] = old_path, unit.path
        if "active" in changes and changes["active"] != unit.active:
            if own:
                raise Conflict("不能停用自己所在的单位", code="own_unit")
            await (_check_deactivate(unit, conn) if unit.active else _check_reactivate(unit, conn))
            change("active", "active", changes["active"])
        if not after:
            return view(unit)
        await unit.save(using_db=conn, update_fields=[
            {"region_code": "region_id"}.get(f, f) for f in after if f != "path"
        ] + (["path"] if "path" in after else []))
        if "path" in after:
            after["cases_moved"] = await _move_subtree(conn, old_path, unit.path)
        await audit_log.record(conn, who, "unit.update", f"unit:{unit.id}", scope_path=unit.path,
                               before=before, after=after)
    reference.invalidate()
    return view(unit)


async def _check_move(who: Who, unit: Unit, parent_id: int, conn: BaseDBAsyncClient) -> None:
    """``unit`` may go under ``parent_id``: in scope, not itself or below itself, active (when
    the unit is), and the subtree's paths still fit. Sets ``unit.path`` to the new one."""
    parent = await unit_ref(who, parent_id, "parent_id", conn=conn)
    if parent.path.startswith(unit.path):
        raise field_problem("parent_id", "上级单位不能是该单位自身或其下级", "parent_cycle")
    if unit.active and not parent.active:
        raise field_problem("parent_id", "上级单位已停用", "parent_inactive")
    new_path = f"{parent.path}{unit.id}/"
    longest = max(map(len, await flat_values(
        Unit.filter(path__startswith=unit.path).using_db(conn), "path")))
    if longest - len(unit.path) + len(new_path) > PATH_MAX:
        raise field_problem("parent_id", "单位层级过深", "too_deep")
    unit.path = new_path


async def _move_subtree(conn: BaseDBAsyncClient, old: str, new: str) -> int:
    """Re-root every unit path and every case's unit path under ``old`` at ``new`` (one UPDATE
    each, the same SQL on SQLite and PostgreSQL); returns how many cases moved."""
    params = [new, len(old) + 1, old + "%"]
    await conn.execute_query(dialect_sql(conn, (
        "UPDATE unit SET path = CAST(? AS TEXT) || substr(path, CAST(? AS INTEGER)) "
        "WHERE path LIKE ?")), params)
    moved, _ = await conn.execute_query(dialect_sql(conn, (
        'UPDATE "case" SET unit_path = CAST(? AS TEXT) || substr(unit_path, CAST(? AS INTEGER)) '
        "WHERE unit_path LIKE ?")), params)
    return int(moved)


async def _check_deactivate(unit: Unit, conn: BaseDBAsyncClient) -> None:
    """409 while the unit has open cases, or active sub-units, staff or kiosks (all counted)."""
    counts = {
        "open_cases": await Case.filter(
            unit_id=unit.id, status__in=[s.value for s in OPEN_STATES]).using_db(conn).count(),
        "active_units": await Unit.filter(
            parent_id=unit.id, active=True).using_db(conn).count(),
        "active_staff": await Staff.filter(unit_id=unit.id, active=True).using_db(conn).count(),
        "active_devices": await Device.filter(
            unit_id=unit.id, active=True).using_db(conn).count(),
    }
    labels = {"open_cases": "件未办结的诉求", "active_units": "个启用的下级单位",
              "active_staff": "名在岗工作人员", "active_devices": "台启用的自助终端"}
    left = [k for k, n in counts.items() if n]
    if not left:
        return
    codes = {"open_cases": "unit_has_open_cases", "active_units": "unit_has_active_units",
             "active_staff": "unit_has_active_staff", "active_devices": "unit_has_active_devices"}
    what = "、".join(f"{counts[k]} {labels[k]}" for k in left)
    raise Conflict(f"该单位还有 {what}，请先转走或停用后再停用该单位", code=codes[left[0]],
                   extra=counts)


async def _check_reactivate(unit: Unit, conn: BaseDBAsyncClient) -> None:
    if unit.parent_id is None:
        return
    parent = await Unit.get(id=unit.parent_id, using_db=conn)
    if not parent.active:
        raise Conflict("上级单位已停用，请先启用上级单位", code="parent_inactive")
