"""CSV cells for every export (audit log, staff search, rewards): one defence against formula
injection when a spreadsheet opens the file."""

from __future__ import annotations

import json
from typing import Any

# a cell starting with one of these is read as a formula (or shifts cells) by spreadsheets
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """``value`` as a CSV cell: JSON for mappings and lists, '' for None, and a leading ``'``
    when the text would start a formula."""
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text
