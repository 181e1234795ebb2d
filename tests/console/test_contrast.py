"""WCAG AA for the console's stylesheets: every rule that sets a text colour reads at 4.5:1 or
more against the background it sets, or, where it sets none, against the page's white panels and
its grey page background. Colours come from the stylesheets themselves (their `:root` variables
resolved), so a new rule with a pale grey fails here, not in front of a clerk at 17:55."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.wcag import AA_TEXT, contrast

STATIC = Path(__file__).resolve().parents[2] / "console" / "static"
SHEETS = [STATIC / "console.css", STATIC / "desks.css"]

_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_VAR = re.compile(r"--([\w-]+)\s*:\s*([^;]+);")
_HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def _variables(css: str) -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", css)
    return dict(_VAR.findall(root.group(1))) if root else {}


def _hex(value: str, variables: dict[str, str]) -> str | None:
    value = value.strip()
    ref = re.fullmatch(r"var\(--([\w-]+)\)", value)
    if ref:
        value = variables.get(ref.group(1), "").strip()
    found = _HEX.fullmatch(value)
    return found.group(0) if found else None


def _pairs() -> list[tuple[str, str, str, str]]:
    variables: dict[str, str] = {}
    for sheet in SHEETS:
        variables.update(_variables(sheet.read_text(encoding="utf-8")))
    page_backgrounds = ["#ffffff", variables["bg"].strip()]
    rules: list[tuple[str, str, dict[str, str]]] = []
    for sheet in SHEETS:
        css = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        for selectors, body in _RULE.findall(css):
            props = dict(
                (k.strip(), v.strip())
                for k, _, v in (d.partition(":") for d in body.split(";"))
                if v.strip()
            )
            for selector in selectors.split(","):
                rules.append((sheet.name, " ".join(selector.split()), props))

    def background(props: dict[str, str]) -> str | None:
        return _hex(props.get("background", props.get("background-color", "")), variables)

    # a rule without a background of its own sits on its container's (".topbar a" on ".topbar")
    containers = {sel: bg for _, sel, props in rules if (bg := background(props))}
    pairs = []
    for sheet, selector, props in rules:
        fg = _hex(props.get("color", ""), variables)
        if fg is None:
            continue
        inherited = containers.get(selector.split(" ")[0]) if " " in selector else None
        own = background(props) or inherited
        for back in [own] if own else page_backgrounds:
            pairs.append((sheet, selector, fg, back))
    return pairs


def test_the_sheets_have_text_colours_to_check() -> None:
    assert len(_pairs()) >= 20


@pytest.mark.parametrize(("sheet", "selector", "fg", "bg"), _pairs())
def test_text_meets_wcag_aa_contrast(sheet: str, selector: str, fg: str, bg: str) -> None:
    ratio = contrast(fg, bg)
    assert ratio >= AA_TEXT, f"{sheet} {selector}: {fg} on {bg} is {ratio:.2f}:1"


def test_the_contrast_formula_matches_wcag_reference_values() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic just-failing grey
