"""Categories: the province-wide tree of what citizens report, administered by the root unit.

Every write raises the ``"reference"`` generation (:mod:`hotline.generations`) first, which on
PostgreSQL also serialises category writers (so two moves cannot build a cycle together), and
appends an audit entry last; after the commit every process's copy is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from audit import log as audit
from casework.reference import province_scope
from hotline import cursors, generations
from hotline.db import lock_first
from hotline.errors import NotFound, field_problem
from identity.principal import Principal
from models.org import Category
from organisation.scope import unknown

KINDS = ("consultation", "help", "complaint", "report", "suggestion", "praise")
PROCEDURES = ("simple", "normal", "petition")
FIELDS = ("name", "kinds", "rewardable", "parent_code", "active", "auto_dispatch",
          "default_procedure")
MAX_LIMIT = 100
CURSOR_TAG = "cat"
Who = Principal | audit.Actor


@dataclass
class CategoryIn:
    code: str
    name: str
    kinds: list[str]
    rewardable: bool = False
    parent_code: str | None = None
    active: bool = True
    auto_dispatch: bool = False
    default_procedure: str = "normal"
    sort: int | None = None


def view(c: Category) -> dict[str, Any]:
    return {
        "code": c.code,
        "name": c.name,
        "kinds": list(c.kinds),
        "rewardable": c.rewardable,
        "parent_code": c.parent_id,
        "active": c.active,
        "auto_dispatch": c.auto_dispatch,
        "default_procedure": c.default_procedure,
    }


async def list_categories(
    *, q: str | None = None, parent_code: str | None = None, active: bool | None = None,
    limit: int = 20, cursor: str | None = None,
) -> dict[str, Any]:
    """One page ``{items, next_cursor}`` in tree order (``sort``, then code)."""
    query = Category.all()
    if q:
        query = query.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if parent_code is not None:
        query = query.filter(parent_id=parent_code)
    if active is not None:
        query = query.filter(active=active)
    offset = cursors.read(cursor, CURSOR_TAG, 1)[0] if cursor else 0
    rows = await query.order_by("sort", "code").offset(offset).limit(limit + 1)
    more = len(rows) > limit
    return {
        "items": [view(c) for c in rows[:limit]],
        "next_cursor": cursors.sign(CURSOR_TAG, offset + limit) if more else None,
    }


def _check_kinds(kinds: list[str]) -> None:
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise unknown("kinds", f"诉求类型须为 {'、'.join(KINDS)} 中的一种或几种",
                      "invalid_kinds")


def _check_procedure(procedure: str) -> None:
    if procedure not in PROCEDURES:
        raise unknown("default_procedure", "办理程序须为 simple、normal 或 petition",
                      "invalid_procedure")


async def _check_parent(conn: Any, code: str, parent_code: str | None) -> None:
    """The parent exists, and is neither the category itself nor one of its descendants."""
    seen: set[str] = set()
    at = parent_code
    while at is not None and at not in seen:
        if at == code:
            raise field_problem("parent_code", "上级类别不能是该类别自身或其下级类别",
                                "parent_cycle")
        seen.add(at)
        row = await Category.filter(code=at).using_db(conn).only("code", "parent_id").first()
        if row is None:
            if at == parent_code:
                raise unknown("parent_code", f"上级类别 {parent_code} 不存在")
            break
        at = row.parent_id


async def create_category(actor: Who, data: CategoryIn) -> dict[str, Any]:
    _check_kinds(data.kinds)
    _check_procedure(data.default_procedure)
    scope_path = await province_scope()
    try:
        async with in_transaction() as conn:
            await generations.bump(conn, generations.REFERENCE)
            if await Category.filter(code=data.code).using_db(conn).exists():
                raise field_problem("code", f"类别代码 {data.code} 已存在", "duplicate_code", 409)
            await _check_parent(conn, data.code, data.parent_code)
            sort = data.sort
            if sort is None:
                last = await Category.all().using_db(conn).order_by("-sort").first()
                sort = (last.sort + 1) if last else 0
            row = await Category.create(
                code=data.code, name=data.name, kinds=sorted(set(data.kinds), key=KINDS.index),
                rewardable=data.rewardable, parent_id=data.parent_code, active=data.active,
                auto_dispatch=data.auto_dispatch, default_procedure=data.default_procedure,
                sort=sort, using_db=conn,
            )
            after = view(row)
            await audit.record(conn, actor, "category.create", f"category:{row.code}",
                               scope_path=scope_path, after=after)
    except IntegrityError:  # created meanwhile by another writer
        raise field_problem("code", f"类别代码 {data.code} 已存在", "duplicate_code",
                            409) from None
    finally:
        generations.published(generations.REFERENCE)
    return after


async def update_category(actor: Who, code: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply ``changes`` (a subset of :data:`FIELDS`; ``parent_code: None`` makes it a root)."""
    if "kinds" in changes:
        _check_kinds(changes["kinds"])
        changes["kinds"] = sorted(set(changes["kinds"]), key=KINDS.index)
    if "default_procedure" in changes:
        _check_procedure(changes["default_procedure"])
    scope_path = await province_scope()
    try:
        async with in_transaction() as conn:
            await generations.bump(conn, generations.REFERENCE)
            row = await lock_first(conn, Category, code=code)
            if row is None:
                raise NotFound("类别不存在", code="category_not_found")
            old = view(row)
            if "parent_code" in changes and changes["parent_code"] != row.parent_id:
                await _check_parent(conn, code, changes["parent_code"])
            before = {k: old[k] for k in FIELDS if k in changes and changes[k] != old[k]}
            after = {k: changes[k] for k in before}
            for key, value in after.items():
                setattr(row, "parent_id" if key == "parent_code" else key, value)
            if after:
                await row.save(using_db=conn, update_fields=[
                    "parent_id" if k == "parent_code" else k for k in after
                ])
                await audit.record(conn, actor, "category.update", f"category:{code}",
                                   scope_path=scope_path, before=before, after=after)
            result = view(row)
    finally:
        generations.published(generations.REFERENCE)
    return result


async def ensure_category(actor: Who, data: CategoryIn) -> bool:
    """Create the category unless its code exists (seeding); True when created."""
    if await Category.exists(code=data.code):
        return False
    await create_category(actor, data)
    return True
