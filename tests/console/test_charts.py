"""The dashboard's charts: inline SVG, no script, no outside host, a link behind every bar."""

from __future__ import annotations

import re

from console import charts

HOSTS = re.compile(r"""(?:href|src)\s*=\s*["'](?:https?:)?//""", re.I)


def _clean(svg: str) -> None:
    assert svg.startswith("<svg")
    assert "<script" not in svg and "<?xml" not in svg and "<!--" not in svg
    assert not HOSTS.search(svg)
    assert "@import" not in svg and "url(http" not in svg


def test_lights_per_unit_links_every_bar_and_escapes_names() -> None:
    rows = [{"unit_id": 7, "open": 4, "red": 2, "yellow": 1, "green": 1}]
    svg = str(charts.lights_per_unit(
        rows, {7: "<b>局</b>"}, lambda light, unit_id: f"/l?light={light}&unit_id={unit_id}"))
    _clean(svg)
    assert "&lt;b&gt;局&lt;/b&gt;" in svg and "<b>" not in svg
    for light in ("red", "yellow", "green"):
        assert f'href="/l?light={light}&amp;unit_id=7"' in svg
    assert "已超期" in svg and "即将超期" in svg and "正常" in svg


def test_rates_by_month_in_percent_with_gaps() -> None:
    series = [{"month": "2026-10", "on_time_rate": 0.5, "satisfaction_rate": None},
              {"month": "2026-11", "on_time_rate": 0.875, "satisfaction_rate": 1.0}]
    svg = str(charts.rates_by_month(series, lambda m: f"/m?month={m}"))
    _clean(svg)
    assert 'href="/m?month=2026-11"' in svg
    assert "按时办结率（%）" in svg and "满意率（%）" in svg
    assert "87.5" in svg


def test_counts_chart_and_empty_chart() -> None:
    svg = str(charts.counts("受理量", [("phone", "电话", 3)], lambda k: f"/c?channel={k}"))
    _clean(svg)
    assert 'href="/c?channel=phone"' in svg and "电话" in svg
    empty = str(charts.counts("受理量", [], lambda k: k))
    _clean(empty)
    assert "暂无数据" in empty
