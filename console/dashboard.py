"""What the supervisor dashboard shows, from the casework services (one copy of each rule:
lights from ``casework.lights``, rates from ``casework.stats``), and its charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from casework import lights, reference, stats
from casework.queues import resolve_scope
from casework.views import CHANNEL_LABELS
from console import charts
from hotline.timefmt import SHANGHAI
from identity.principal import Principal
from models.org import Unit

CASES = "/console/supervisor/cases"
MAX_UNITS = 12  # units on the lights chart: the most red first
MAX_CATEGORIES = 10
CENTRE = "12345中心（待分派）"


def cases_link(**params: Any) -> str:
    """The supervisor's case list with these filters (None values left out)."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{CASES}?{query}" if query else CASES


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    link: str
    tone: str = ""  # "red" / "yellow": shown with the light's colour and word


@dataclass(frozen=True)
class Dashboard:
    figures: list[Figure]
    charts: list[charts.Chart]
    month: str
    units: list[dict[str, Any]]  # the lights per unit, as a table beside the chart


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def month_bounds(month: str, today: date) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    last = stats.month_start(first, -1) - timedelta(days=1)
    return first, min(last, today)


def figure_row(per_unit: list[dict[str, Any]], this: dict[str, Any],
               period: dict[str, str]) -> list[Figure]:
    """The row of numbers: open, yellow, red now; this month's on-time and satisfaction."""
    totals = {k: sum(u[k] for u in per_unit) for k in ("open", "red", "yellow")}
    return [
        Figure("在办诉求", str(totals["open"]), cases_link(open=1)),
        Figure("即将超期", str(totals["yellow"]), cases_link(light="yellow"), "yellow"),
        Figure("已超期", str(totals["red"]), cases_link(light="red"), "red"),
        Figure("本月按时办结率", percent(this["on_time_rate"]), cases_link(**period)),
        Figure("本月满意率", percent(this["satisfaction_rate"]), cases_link(**period)),
    ]


async def figures(who: Principal, now: datetime | None = None) -> list[Figure]:
    """The row of numbers alone (the page polls it): the lights and this month's rates."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    per_unit = await lights.by_unit(await resolve_scope(who), now)
    [this] = await stats.monthly(who, months=1, now=now)
    first, last = month_bounds(this["month"], now.astimezone(SHANGHAI).date())
    return figure_row(per_unit, this, {"from": first.isoformat(), "to": last.isoformat()})


async def build(who: Principal, now: datetime | None = None) -> Dashboard:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    scope = await resolve_scope(who)
    per_unit = await lights.by_unit(scope, now)
    series = await stats.monthly(who, months=12, now=now)
    this = series[-1]
    first, last = month_bounds(this["month"], now.astimezone(SHANGHAI).date())
    by_category = await stats.by_category(who, from_=first, to=last, now=now)
    period = {"from": first.isoformat(), "to": last.isoformat()}

    figures = figure_row(per_unit, this, period)

    shown = per_unit[:MAX_UNITS]
    names = await unit_names([u["unit_id"] for u in shown])
    categories = await reference.categories()
    channels = sorted(this["by_channel"].items(), key=lambda kv: (-kv[1], kv[0]))
    top = list(by_category.items())[:MAX_CATEGORIES]

    def month_link(month: str) -> str:
        a, b = month_bounds(month, now.astimezone(SHANGHAI).date())
        return cases_link(**{"from": a.isoformat(), "to": b.isoformat()})

    built = [
        charts.Chart(
            "lights", "各单位在办诉求（按亮灯）",
            charts.lights_per_unit(shown, names, lambda light, unit_id: cases_link(
                light=light, unit_id=unit_id)),
            cases_link(light="red"), "查看全部已超期诉求", empty=not shown,
        ),
        charts.Chart(
            "rates", "近 12 个月按时办结率与满意率",
            charts.rates_by_month(series, month_link),
            cases_link(**period), "查看本月受理的诉求",
        ),
        charts.Chart(
            "channels", f"本月受理量（按渠道，{this['month']}）",
            charts.counts("受理量", [(c, CHANNEL_LABELS.get(c, c), n) for c, n in channels],
                          lambda c: cases_link(channel=c, **period)),
            cases_link(**period), "查看本月受理的诉求", empty=not channels,
        ),
        charts.Chart(
            "categories", f"本月受理量（按类别前 {MAX_CATEGORIES} 位）",
            charts.counts("受理量", [
                (code, categories[code].name if code in categories else code, n)
                for code, n in top
            ], lambda code: cases_link(category_code=code, **period)),
            cases_link(**period), "查看本月受理的诉求", empty=not top,
        ),
    ]
    units = [u | {"name": names.get(u["unit_id"], CENTRE)} for u in shown]
    return Dashboard(figures=figures, charts=built, month=this["month"], units=units)


async def unit_names(ids: list[int | None]) -> dict[int | None, str]:
    names: dict[int | None, str] = {None: CENTRE}
    names.update(await Unit.filter(id__in=[i for i in ids if i]).values_list("id", "name"))
    return names
