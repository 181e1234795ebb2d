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


async def suggestions(tracking_nos: list[str]) -> dict[str, Unit | None]:
    """The suggested unit of each case (a dispatcher's list): one look-up per distinct
    category and region."""
    from models.case import Case

    found: dict[tuple[str, str | None], Unit | None] = {}
    result: dict[str, Unit | None] = {}
    rows = await Case.filter(tracking_no__in=tracking_nos).values_list(
        "tracking_no", "category_id", "region_id"
    )
    for no, category, region in rows:
        key = (str(category), region)
        if key not in found:
            found[key] = await suggest_unit(*key)
        result[str(no)] = found[key]
    return result
