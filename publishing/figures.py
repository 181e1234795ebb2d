"""The monthly figures in the open (``GET /public/stats?month=YYYY-MM``).

They are ``casework.stats.by_unit``'s figures — the staff statistics' own rules, not a copy —
reduced to what the public reads, for the province and for every unit whose subtree received
cases in the month (a unit's figures cover its subtree, as a supervisor's with ``unit_id``).
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any

from casework import stats
from hotline.errors import ValidationProblem

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
GROUPS = ("letters_visits_online", "calls")


def month_bounds(month: str) -> tuple[date, date]:
    m = MONTH.match(month)
    if m is None or not 2000 <= int(m.group(1)) <= 2100:
        raise ValidationProblem("month 须为 YYYY-MM", code="invalid_month")
    year, mon = int(m.group(1)), int(m.group(2))
    return date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1])


def public_figures(s: dict[str, Any]) -> dict[str, Any]:
    """What the public sees of one statistics reply."""
    return {
        "received": s["received"],
        "completed": s["completed"],
        "completed_on_time": s["on_time"],
        "completed_late": s["completed_late"],
        "open": s["open"],
        "completion_rate": s["completion_rate"],
        "on_time_rate": s["on_time_rate"],
        "satisfaction_rate": s["satisfaction_rate"],
        "avg_handling_days": {g: s["avg_handling_days"][g] for g in GROUPS},
    }


async def monthly(month: str) -> dict[str, Any]:
    from_, to = month_bounds(month)
    figures = await stats.by_unit(from_, to)
    province, units = figures[0], figures[1:]
    return {
        "month": month,
        "province": {"unit": {"name": province["unit"]["name"]}, **public_figures(province)},
        "units": [{"unit": {"name": u["unit"]["name"]}, **public_figures(u)} for u in units],
    }
