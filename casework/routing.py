"""Routing: the suggested handling unit for a category in a region (nearest rule up the tree)."""

from __future__ import annotations

from models.org import Region, RoutingRule, Unit


async def suggest_unit(category_code: str, region_code: str | None) -> Unit | None:
    """Walk up the region tree (township → county → city → province) to the nearest rule;
    also walk up the category tree when the category itself has no rule anywhere. Rules to
    deactivated units do not count."""
    regions: list[str] = []
    code = region_code
    while code:
        regions.append(code)
        region = await Region.get_or_none(code=code).only("code", "parent_id")
        code = region.parent_id if region else None
    category: str | None = category_code
    from models.org import Category

    while category:
        rules = {  # a rule to a deactivated unit is skipped: the next region up applies
            r.region_id: r
            for r in await RoutingRule.filter(
                category_id=category, unit__active=True
            ).prefetch_related("unit")
        }
        for region_code in regions:
            if region_code in rules:
                return rules[region_code].unit
        cat = await Category.get_or_none(code=category).only("code", "parent_id")
        category = cat.parent_id if cat else None
    return None
