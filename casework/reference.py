"""Reference data read on every request (categories, units), cached briefly per process."""

from __future__ import annotations

import time
from dataclasses import dataclass

from hotline.db import flat_values
from models.org import Category, Region, Unit

_TTL_S = 30.0


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    name: str
    kinds: frozenset[str]
    rewardable: bool
    auto_dispatch: bool
    default_procedure: str
    parent_code: str | None
    leaf: bool


_categories: tuple[float, dict[str, CategoryInfo]] | None = None
_root_unit: tuple[float, Unit] | None = None
_regions: tuple[float, frozenset[str]] | None = None


def invalidate() -> None:
    global _categories, _root_unit, _regions
    _categories = None
    _root_unit = None
    _regions = None


async def region_exists(code: str) -> bool:
    global _regions
    now = time.monotonic()
    if _regions is None or now - _regions[0] > _TTL_S:
        _regions = (now, frozenset(await flat_values(Region.all(), "code")))
    return code in _regions[1]


async def categories() -> dict[str, CategoryInfo]:
    global _categories
    now = time.monotonic()
    if _categories is None or now - _categories[0] > _TTL_S:
        rows = await Category.all().order_by("sort", "code")
        parents = {r.parent_id for r in rows if r.parent_id}
        _categories = (
            now,
            {
                r.code: CategoryInfo(
                    code=r.code,
                    name=r.name,
                    kinds=frozenset(r.kinds),
                    rewardable=r.rewardable,
                    auto_dispatch=r.auto_dispatch,
                    default_procedure=r.default_procedure,
                    parent_code=r.parent_id,
                    leaf=r.code not in parents,
                )
                for r in rows
            },
        )
    return _categories[1]


async def platform_unit() -> Unit:
    """The root of the unit tree: the 12345 centre, responsible for every undispatched case."""
    global _root_unit
    now = time.monotonic()
    if _root_unit is None or now - _root_unit[0] > _TTL_S:
        root = await Unit.filter(parent_id=None).order_by("id").first()
        if root is None:
            raise RuntimeError("no units: run `hotline seed-demo` or create the unit tree")
        _root_unit = (now, root)
    return _root_unit[1]


async def units_in_scope(unit_path: str) -> list[dict[str, object]]:
    rows = await Unit.filter(path__startswith=unit_path).order_by("path")
    return [
        {
            "id": u.id,
            "code": u.code,
            "name": u.name,
            "kind": u.kind,
            "region_code": u.region_id,
            "parent_id": u.parent_id,
        }
        for u in rows
    ]


# Shown before submitting a report in a rewardable category.
REWARD_NOTICE = (
    "本类别实名举报经承办单位查实后可获奖励（同一问题以最先举报者为准）；"
    "匿名举报或未完成实名认证的举报照常受理，但不予奖励。"
)


async def category_list() -> list[dict[str, object]]:
    return [
        {
            "code": c.code,
            "name": c.name,
            "kinds": sorted(c.kinds),
            "rewardable": c.rewardable,
            "parent_code": c.parent_code,
            "reward_notice": REWARD_NOTICE if c.rewardable else None,
        }
        for c in (await categories()).values()
    ]
