"""The category and routing-rule services the API and `seed-demo` share."""

from __future__ import annotations

from typing import Any

import pytest

from audit.log import Actor
from casework import reference, routing
from hotline.errors import Problem
from models.audit import AuditEntry, CacheGeneration
from models.org import Unit
from organisation.categories import CategoryIn, ensure_category, update_category
from organisation.routing_rules import ensure_rule

SYSTEM = Actor("system")


async def test_seeding_twice_creates_nothing_new(fresh_org: None, app: Any) -> None:
    assert not await ensure_category(SYSTEM, CategoryIn("ENV", "生态环境", ["report"]))
    unit = await Unit.get(code="HZ-GAJ")
    assert not await ensure_rule(SYSTEM, "ENV-NOISE", "330100", unit.id)
    assert not await AuditEntry.exists()


async def test_a_category_change_raises_the_generation_and_drops_the_copy(
    fresh_org: None, app: Any
) -> None:
    before = (await CacheGeneration.get_or_none(name="reference"))
    assert (await reference.categories())["GENERAL"].name == "综合"
    await update_category(SYSTEM, "GENERAL", {"name": "综合事项"})
    assert (await reference.categories())["GENERAL"].name == "综合事项"
    after = await CacheGeneration.get(name="reference")
    assert after.value == (before.value if before else 0) + 1


async def test_moving_a_category_moves_routing_by_its_parent(fresh_org: None, app: Any) -> None:
    # a new leaf with no rule of its own is routed by its parent's rules
    await ensure_category(SYSTEM, CategoryIn("MARKET-FOOD-X", "食品小作坊", ["complaint"],
                                             parent_code="MARKET-FOOD"))
    unit = await routing.suggest_unit("MARKET-FOOD-X", "330106")
    assert unit is not None and unit.code == "HZ-SCJGJ"
    await update_category(SYSTEM, "MARKET-FOOD-X", {"parent_code": "SOCIAL-WAGE"})
    unit = await routing.suggest_unit("MARKET-FOOD-X", "330106")
    assert unit is not None and unit.code == "HZ-RSJ"
    with pytest.raises(Problem) as err:
        await update_category(SYSTEM, "SOCIAL", {"parent_code": "MARKET-FOOD-X"})
    assert err.value.code == "parent_cycle"
