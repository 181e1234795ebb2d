"""The supervisor dashboard's charts: pygal SVG rendered on the server and inlined in the page.

No script and no outside request: pygal's tooltip script (fetched from its site by default) is
disabled (``js=[]``) and the inline ``<script>`` holding its configuration is removed, so an
SVG is plain markup with its own ``<style>``. Every bar and point links to the list behind it
(``xlink``), and each chart also has an ordinary link beside it (see the template).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pygal
from markupsafe import Markup
from pygal.style import Style

FONT = '-apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
# the light colours with a word beside them in the legend (正常 / 即将超期 / 已超期); darker
# shades than the badges so that a bar passes 3:1 against the white background
GREEN, AMBER, RED, BLUE, GREY = "#2e7d32", "#b26a00", "#c62828", "#1f5fa8", "#5f6b7a"

STYLE = Style(
    font_family=FONT,
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#d5dbe3",
    opacity="1",
    opacity_hover="0.85",
    colors=(BLUE, GREY, GREEN, AMBER, RED),
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=12,
    title_font_size=16,
    tooltip_font_size=13,
)
LIGHT_STYLE = Style(**{**STYLE.to_dict(), "colors": (RED, AMBER, GREEN)})

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


@dataclass(frozen=True)
class Chart:
    """A rendered chart and the list it stands for."""

    key: str
    title: str
    svg: Markup
    link: str  # the list behind the whole chart
    link_label: str
    empty: bool = False


def _config(**extra: Any) -> dict[str, Any]:
    return {
        "style": STYLE,
        "js": [],  # pygal's default is a tooltip script from its site: no outside request
        "disable_xml_declaration": True,
        "width": 620,
        "height": 320,
        "margin": 12,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "truncate_legend": -1,
        "truncate_label": -1,
        "print_values": False,
        "no_data_text": "暂无数据",
        "tooltip_border_radius": 4,
    } | extra


def inline(chart: Any) -> Markup:
    """The chart's SVG for inlining: no XML declaration, no script, no comments."""
    text = chart.render(is_unicode=True)
    text = _COMMENT.sub("", _SCRIPT.sub("", text))
    return Markup(text)  # pygal escapes labels and titles itself (ElementTree)


def cjk_margin(labels: Sequence[str]) -> int:
    """Extra left margin for the category labels of a horizontal chart: pygal reserves room
    for a label from a Latin glyph width, a Chinese glyph is about twice as wide."""
    return 12 + 6 * max((len(label) for label in labels), default=0)


def count_ticks(top: int) -> list[int]:
    """Whole-number ticks from 0 past ``top`` (a count axis never shows 0.2 of a case)."""
    step = max(1, -(-top // 6))
    return list(range(0, max(top, 1) + step, step))


def _point(value: float | None, href: str, label: str) -> dict[str, Any]:
    return {"value": value, "label": label, "xlink": {"href": href, "target": "_self"}}


def lights_per_unit(
    rows: Sequence[dict[str, Any]], names: dict[int | None, str], href: Callable[..., str]
) -> Markup:
    """Stacked horizontal bars of open cases per unit: 已超期, 即将超期, 正常.
    ``href(light=..., unit_id=...)`` gives a bar's list."""
    chart = pygal.HorizontalStackedBar(**_config(
        style=LIGHT_STYLE, height=max(240, 90 + 34 * len(rows)),
        margin_left=cjk_margin([names.get(r["unit_id"], "—") for r in rows]),
        y_labels=count_ticks(max((r["open"] for r in rows), default=0))))
    chart.x_labels = [names.get(r["unit_id"], "—") for r in rows]
    for light, word in (("red", "已超期"), ("yellow", "即将超期"), ("green", "正常")):
        chart.add(word, [
            _point(r[light], href(light=light, unit_id=r["unit_id"]), f"{word} {r[light]} 件")
            for r in rows
        ])
    return inline(chart)


def rates_by_month(series: Sequence[dict[str, Any]], href: Callable[[str], str]) -> Markup:
    """Lines of the on-time rate and the satisfaction rate (percent) over the months;
    ``href(month)`` gives a point's list (the cases received that month)."""
    chart = pygal.Line(**_config(range=(0, 100), dots_size=4, allow_interruptions=True,
                                 height=340, margin_bottom=28, y_labels=[0, 25, 50, 75, 100]))
    chart.x_labels = [f"{m['month'][2:4]}/{m['month'][5:]}" for m in series]  # 26/11

    def pct(v: float | None) -> float | None:
        return None if v is None else round(v * 100, 1)

    for key, word in (("on_time_rate", "按时办结率（%）"), ("satisfaction_rate", "满意率（%）")):
        chart.add(word, [
            _point(pct(m[key]), href(m["month"]), f"{m['month']} {word}") for m in series
        ])
    return inline(chart)


def counts(
    title: str, items: Sequence[tuple[str, str, int]], href: Callable[[str], str]
) -> Markup:
    """Horizontal bars of counts: ``items`` are (key, label, count); ``href(key)``."""
    chart = pygal.HorizontalBar(**_config(
        height=max(220, 60 + 30 * len(items)), show_legend=False,
        margin_left=cjk_margin([label for _, label, _ in items]),
        y_labels=count_ticks(max((n for _, _, n in items), default=0))))
    chart.x_labels = [label for _, label, _ in items]
    chart.add(title, [_point(n, href(key), f"{label} {n} 件") for key, label, n in items])
    return inline(chart)
