"""Reference data read on every request (categories, regions, the root unit).

Each process keeps a copy, dropped at once in every process when an administrator changes it
(:mod:`hotline.generations`, name ``"reference"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from hotline.db import flat_values
from hotline.generations import REFERENCE, Cached
from models.org import Category, Region, Unit


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
    active: bool = True


async def _load_categories() -> dict[str, CategoryInfo]:
    rows = await Category.all().order_by("sort", "code")
    parents = {r.parent_id for r in rows if r.parent_id}
    return {
        r.code: CategoryInfo(
            code=r.code,
            name=r.name,
            kinds=frozenset(r.kinds),
            rewardable=r.rewardable,
            auto_dispatch=r.auto_dispatch,
            default_procedure=r.default_procedure,
            parent_code=r.parent_id,
            leaf=r.code not in parents,
            active=r.active,
        )
        for r in rows
    }


async def _load_regions() -> frozenset[str]:
    return frozenset(await flat_values(Region.all(), "code"))


async def _load_root() -> Unit:
    root = await Unit.filter(parent_id=None).order_by("id").first()
    if root is None:
        raise RuntimeError("no units: run `hotline seed-demo` or create the unit tree")
    return root


_categories = Cached(REFERENCE, _load_categories)
_regions = Cached(REFERENCE, _load_regions)
_root_unit = Cached(REFERENCE, _load_root)


def invalidate() -> None:
    """Drop this process's copies (after a change made behind the services' back)."""
    for cached in (_categories, _regions, _root_unit, _category_json):
        cached.clear()


async def region_exists(code: str) -> bool:
    return code in await _regions.get()


async def categories() -> dict[str, CategoryInfo]:
    """Every category, inactive ones included (``active`` says whether it takes new cases)."""
    return await _categories.get()


async def category_problem(kind: str, category_code: str) -> tuple[str, str, str] | None:
    """Why a case of ``kind`` cannot be filed under ``category_code``, as (field, message,
    code), or None when it can: the one rule for filing and for the precheck before it."""
    cat = (await categories()).get(category_code)
    if cat is None:
        return "category_code", "诉求类别不存在", "unknown_category"
    if not cat.active:
        return "category_code", f"类别“{cat.name}”已停用，不再受理新的诉求", "inactive_category"
    if kind not in cat.kinds:
        return "kind", f"类别“{cat.name}”不受理此类诉求", "kind_not_accepted"
    return None


async def platform_unit() -> Unit:
    """The root of the unit tree: the 12345 centre, responsible for every undispatched case."""
    return await _root_unit.get()


async def province_scope() -> str:
    """The audit scope of what is province-wide (categories, the calendar, programmes): the
    root unit's path, or ``audit.log.NO_UNIT`` before there are units."""
    from audit.log import NO_UNIT

    try:
        return (await platform_unit()).path
    except RuntimeError:
        return NO_UNIT


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
        if c.active
    ]


async def _load_category_json() -> bytes:
    return orjson.dumps(await category_list())


# GET /categories answers with these bytes as they are: built once per change of the
# reference data (every process drops them with the other copies), not per request
_category_json = Cached(REFERENCE, _load_category_json)


async def category_list_json() -> bytes:
    """:func:`category_list` as the JSON of the reply, kept like the other copies."""
    return await _category_json.get()


async def region_choices() -> list[tuple[str, str]]:
    """(code, name) of the cities and counties, in code order (an operator's pick list)."""
    rows = await Region.filter(level__in=("city", "county")).order_by("code").values_list(
        "code", "name"
    )
    return [(str(code), str(name)) for code, name in rows]
