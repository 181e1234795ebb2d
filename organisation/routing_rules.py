"""Routing rules: the default handling unit of a category in a region.

An administrator manages the rules whose unit is in its subtree, for its own unit's region or a
region below it (the root unit's administrators: any region). Routing suggestions
(:func:`casework.routing.suggest_unit`) read the rules from the database on every call, so a
change is followed at once by every process.
"""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from audit import log as audit
from hotline import cursors
from hotline.db import lock_first
from hotline.errors import NotFound, field_problem
from identity.principal import Principal
from models.org import Category, Region, RoutingRule, Unit
from organisation.scope import covers, is_root_admin, unit_ref, unknown

CURSOR_TAG = "rr"
Who = Principal | audit.Actor


def view(rule: RoutingRule, unit: Unit) -> dict[str, Any]:
    return {
        "id": rule.id,
        "category_code": rule.category_id,
        "region_code": rule.region_id,
        "unit_id": rule.unit_id,
        "unit": {"id": unit.id, "code": unit.code, "name": unit.name},
    }


async def list_rules(
    who: Principal, *, category_code: str | None = None, region_code: str | None = None,
    unit_id: int | None = None, limit: int = 20, cursor: str | None = None,
) -> dict[str, Any]:
    """The rules whose unit is in the caller's subtree, by id: ``{items, next_cursor}``."""
    query = RoutingRule.filter(unit__path__startswith=who.unit_path or "\x00")
    if category_code is not None:
        query = query.filter(category_id=category_code)
    if region_code is not None:
        query = query.filter(region_id=region_code)
    if unit_id is not None:
        query = query.filter(unit_id=unit_id)
    if cursor:
        query = query.filter(id__gt=cursors.read(cursor, CURSOR_TAG, 1)[0])
    rows = await query.order_by("id").limit(limit + 1).prefetch_related("unit")
    page = rows[:limit]
    return {
        "items": [view(r, r.unit) for r in page],
        "next_cursor": cursors.sign(CURSOR_TAG, page[-1].id) if len(rows) > limit else None,
    }


async def _region_within(code: str, top: str) -> bool:
    """Whether region ``code`` is ``top`` or below it."""
    at: str | None = code
    seen: set[str] = set()
    while at is not None and at not in seen:
        if at == top:
            return True
        seen.add(at)
        region = await Region.get_or_none(code=at).only("code", "parent_id")
        at = region.parent_id if region else None
    return False


async def _unit_for(actor: Who, unit_id: int) -> Unit:
    if isinstance(actor, Principal):
        return await unit_ref(actor, unit_id)
    unit = await Unit.get_or_none(id=unit_id)
    if unit is None:
        raise unknown("unit_id", "单位不存在")
    return unit


async def create_rule(
    actor: Who, category_code: str, region_code: str, unit_id: int
) -> dict[str, Any]:
    if not await Category.exists(code=category_code):
        raise unknown("category_code", f"类别 {category_code} 不存在")
    if not await Region.exists(code=region_code):
        raise unknown("region_code", f"行政区划 {region_code} 不存在")
    unit = await _unit_for(actor, unit_id)
    if not unit.active:
        raise unknown("unit_id", "该单位已停用，不能承接路由", "unit_inactive")
    if isinstance(actor, Principal) and not is_root_admin(actor):
        own = await Unit.get_or_none(id=actor.unit_id or 0).only("id", "region_id")
        if own is None or not await _region_within(region_code, own.region_id):
            raise unknown("region_code", "只能为本单位所在区划及其下级区划设置路由规则",
                          "region_out_of_scope")
    duplicate = field_problem(
        "region_code", f"类别 {category_code} 在区划 {region_code} 已有路由规则",
        "duplicate_rule", 409,
    )
    try:
        async with in_transaction() as conn:
            if await RoutingRule.filter(category_id=category_code,
                                        region_id=region_code).using_db(conn).exists():
                raise duplicate
            rule = await RoutingRule.create(category_id=category_code, region_id=region_code,
                                            unit_id=unit.id, using_db=conn)
            after = view(rule, unit)
            await audit.record(
                conn, actor, "routing_rule.create", f"routing_rule:{rule.id}",
                scope_path=unit.path,
                after={k: after[k] for k in ("category_code", "region_code", "unit_id")},
            )
    except IntegrityError:  # the same pair created meanwhile
        raise duplicate from None
    return after


async def delete_rule(who: Principal, rule_id: int) -> None:
    """Remove a rule whose unit is in the caller's subtree (404 otherwise)."""
    async with in_transaction() as conn:
        rule = await lock_first(conn, RoutingRule, id=rule_id)
        unit = await Unit.filter(id=rule.unit_id).using_db(conn).first() if rule else None
        if rule is None or unit is None or not covers(who, unit.path):
            raise NotFound("路由规则不存在", code="routing_rule_not_found")
        await rule.delete(using_db=conn)
        await audit.record(
            conn, who, "routing_rule.delete", f"routing_rule:{rule_id}", scope_path=unit.path,
            before={"category_code": rule.category_id, "region_code": rule.region_id,
                    "unit_id": rule.unit_id},
        )


async def ensure_rule(actor: Who, category_code: str, region_code: str, unit_id: int) -> bool:
    """Create the rule unless the pair has one (seeding); True when created."""
    if await RoutingRule.exists(category_id=category_code, region_id=region_code):
        return False
    await create_rule(actor, category_code, region_code, unit_id)
    return True
