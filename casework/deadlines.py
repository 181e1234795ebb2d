"""Deadline arithmetic of hotline cases (pure functions over a :class:`WorkCalendar`).

All inputs must be timezone-aware; they are converted to Asia/Shanghai civil time and all
results are aware datetimes in Asia/Shanghai.

* "N working days" from an instant: the instant's calendar day is day 0 (never counted);
  due at 23:59:59 of the Nth working day after it.  Yellow from 00:00 of the first of the
  last ceil(N/5) working days.
* "N days": due at 23:59:59 of the Nth calendar day after day 0.  Yellow from 00:00 of the
  first of the last ceil(N/5) calendar days.  Calendar-day limits never consult the working
  calendar, so they are never provisional.
* dispatch: 23:59:59 of the submission day if it is a working day, else of the next working
  day; yellow once 80 % of that day's working hours have elapsed (15:24 for 09:00-17:00).
* sign: N working hours (default 2) after dispatch, counting only working hours of working
  days; yellow once 80 % of that working time has elapsed.
* procedures: see :data:`PROCEDURE_LIMITS`, all counted from submission.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal

from casework.calendar import WorkCalendar
from hotline.timefmt import SHANGHAI

END_OF_DAY = time(23, 59, 59)
WARN_FRACTION = 0.8  # yellow once 80 % of a working-time limit has elapsed

Unit = Literal["working_days", "days"]
Light = Literal["green", "yellow", "red"]


@dataclass(frozen=True)
class Due:
    at: datetime
    warn_at: datetime
    provisional: bool = False


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: Unit


# Procedure -> milestone -> limit counted from submission.  Keys among transfer/notice/complete.
PROCEDURE_LIMITS: dict[str, dict[str, Limit]] = {
    "simple": {
        "transfer": Limit(3, "working_days"),
        "complete": Limit(7, "working_days"),
    },
    "normal": {
        "transfer": Limit(5, "working_days"),
        "notice": Limit(5, "working_days"),
        "complete": Limit(30, "days"),
    },
    "petition": {
        "notice": Limit(15, "days"),
        "complete": Limit(60, "days"),
    },
    "immediate": {},
}
# Procedure -> maximum calendar days of the (single) approved extension of "complete".
MAX_EXTENSION_DAYS: dict[str, int] = {"petition": 30, "normal": 30}
MILESTONES: tuple[str, ...] = ("transfer", "notice", "complete")


def to_local(instant: datetime) -> datetime:
    """``instant`` in Asia/Shanghai; naive datetimes are rejected."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return instant.astimezone(SHANGHAI)


def _at(d: date, t: time) -> datetime:
    return datetime.combine(d, t, tzinfo=SHANGHAI)


def _warn_window(n: int) -> int:
    """Number of trailing days (working or calendar) of an N-day limit that are yellow."""
    return math.ceil(n / 5)


def add_working_days(cal: WorkCalendar, start: datetime, n: int) -> Due:
    """Due at 23:59:59 of the Nth working day after the day of ``start`` (n >= 1)."""
    if n < 1:
        raise ValueError("n must be >= 1")
    day0 = to_local(start).date()
    workdays, provisional = cal.workdays_after(day0, n)
    warn_day = workdays[n - _warn_window(n)]
    return Due(_at(workdays[-1], END_OF_DAY), _at(warn_day, time(0)), provisional)


def add_days(cal: WorkCalendar, start: datetime, n: int) -> Due:
    """Due at 23:59:59 of the Nth calendar day after the day of ``start`` (n >= 1).

    ``cal`` is unused (calendar days ignore holidays) but kept for a uniform signature.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    day0 = to_local(start).date()
    due_day = day0 + timedelta(days=n)
    warn_day = day0 + timedelta(days=n - _warn_window(n) + 1)
    return Due(_at(due_day, END_OF_DAY), _at(warn_day, time(0)), False)


def add_limit(cal: WorkCalendar, start: datetime, limit: Limit) -> Due:
    if limit.unit == "working_days":
        return add_working_days(cal, start, limit.amount)
    if limit.unit == "days":
        return add_days(cal, start, limit.amount)
    raise ValueError(f"unknown limit unit {limit.unit!r}")


def _working_day_length(cal: WorkCalendar) -> timedelta:
    return datetime.combine(date.min, cal.work_end) - datetime.combine(date.min, cal.work_start)


def dispatch_due(cal: WorkCalendar, submitted_at: datetime) -> Due:
    """Dispatch due at 23:59:59 of the submission day if working, else the next working day.

    Yellow once 80 % of the due day's working hours have elapsed.
    """
    return _dispatch_due_on(cal, to_local(submitted_at).date())


@lru_cache(maxsize=64)  # every submission of a day has the same one (calendars are immutable)
def _dispatch_due_on(cal: WorkCalendar, submitted_on: date) -> Due:
    day, provisional = cal.next_workday(submitted_on, inclusive=True)
    warn_at = _at(day, cal.work_start) + _working_day_length(cal) * WARN_FRACTION
    return Due(_at(day, END_OF_DAY), warn_at, provisional)


def add_working_time(
    cal: WorkCalendar, start: datetime, duration: timedelta
) -> tuple[datetime, bool]:
    """The instant ``duration`` of working time after ``start`` and its provisionality.

    Counting starts at ``start`` if it lies within working hours of a working day, else at
    the start of the next working period.  A result that exactly fills a day ends at
    ``work_end`` of that day (not at ``work_start`` of the next).
    """
    if duration < timedelta(0):
        raise ValueError("duration must be >= 0")
    local = to_local(start)
    day = local.date()
    provisional = cal.is_provisional(day)
    if cal.is_workday(day) and local.time() < cal.work_end:
        cursor = max(local, _at(day, cal.work_start))
    else:
        day, prov = cal.next_workday(day)
        provisional = provisional or prov
        cursor = _at(day, cal.work_start)
    remaining = duration
    while True:
        available = _at(day, cal.work_end) - cursor
        if remaining <= available:
            return cursor + remaining, provisional
        remaining -= available
        day, prov = cal.next_workday(day)
        provisional = provisional or prov
        cursor = _at(day, cal.work_start)


def sign_due(cal: WorkCalendar, dispatched_at: datetime, hours: float = 2) -> Due:
    """Sign due ``hours`` working hours after dispatch; yellow after 80 % of them."""
    if hours <= 0:
        raise ValueError("hours must be > 0")
    limit = timedelta(hours=hours)
    at, provisional = add_working_time(cal, dispatched_at, limit)
    warn_at, warn_prov = add_working_time(cal, dispatched_at, limit * WARN_FRACTION)
    return Due(at, warn_at, provisional or warn_prov)


def procedure_limits(procedure: str, extension_days: int = 0) -> dict[str, Limit]:
    """The limits of ``procedure`` (transfer/notice/complete), all counted from submission.

    ``extension_days`` (at most :data:`MAX_EXTENSION_DAYS` for the procedure) lengthens the
    complete limit by that many calendar days; its yellow window is that of the extended total.
    ``casework.schedule`` turns these into a case's stored dues: this is the only place the
    procedures and their extension are counted.
    """
    try:
        limits = dict(PROCEDURE_LIMITS[procedure])
    except KeyError:
        raise ValueError(f"unknown procedure {procedure!r}") from None
    if extension_days:
        max_ext = MAX_EXTENSION_DAYS.get(procedure, 0)
        if not 0 < extension_days <= max_ext:
            raise ValueError(
                f"extension of {extension_days} days not allowed for {procedure!r} (max {max_ext})"
            )
        complete = limits["complete"]
        if complete.unit != "days":
            raise ValueError("extensions apply to calendar-day limits only")
        limits["complete"] = Limit(complete.amount + extension_days, "days")
    return limits


def light(now: datetime, next_due_at: datetime | None, warn_at: datetime | None) -> Light | None:
    """Traffic light: None without a due; red after it; yellow from ``warn_at``; else green."""
    if next_due_at is None:
        return None
    if now > next_due_at:
        return "red"
    if warn_at is not None and now >= warn_at:
        return "yellow"
    return "green"
