"""The working calendar kept in the database: seeding, importing a year, loading (cached)."""

from __future__ import annotations

import time

from tortoise.transactions import in_transaction

from casework.calendar import (
    CalendarRow,
    WorkCalendar,
    chinese_calendar_rows,
    known_years_from_chinese_calendar,
)
from hotline import settings as settings_mod
from hotline.db import flat_values
from models.calendar import CalendarDay, CalendarYear

_CACHE_TTL_S = 60.0
_cached: tuple[float, WorkCalendar] | None = None


def invalidate() -> None:
    global _cached
    _cached = None


async def load_calendar() -> WorkCalendar:
    """The calendar as stored, cached for a minute per process."""
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < _CACHE_TTL_S:
        return _cached[1]
    rows = await CalendarDay.all().values_list("date", "working", "name")
    years: list[int] = await flat_values(CalendarYear.all(), "year")
    s = settings_mod.current()
    cal = WorkCalendar.from_rows(
        [(d, w, n) for d, w, n in rows], set(years), s.work_start, s.work_end
    )
    _cached = (now, cal)
    return cal


async def import_rows(rows: list[CalendarRow], years: set[int], source: str) -> int:
    """Store the days of whole years (replacing what those years had) and mark them known."""
    async with in_transaction() as conn:
        for year in years:
            await CalendarDay.filter(
                date__gte=f"{year}-01-01", date__lte=f"{year}-12-31"
            ).using_db(conn).delete()
        await CalendarDay.bulk_create(
            [CalendarDay(date=d, working=w, name=n) for d, w, n in rows if d.year in years],
            using_db=conn,
        )
        for year in years:
            await CalendarYear.update_or_create(
                year=year, defaults={"source": source}, using_db=conn
            )
    invalidate()
    return len(rows)


async def seed_from_chinese_calendar() -> int:
    """Load every year the ``chinese_calendar`` package knows and the database does not."""
    have = set(await CalendarYear.all().values_list("year", flat=True))
    years = known_years_from_chinese_calendar() - have
    if not years:
        return 0
    return await import_rows(chinese_calendar_rows(), years, "chinese_calendar")


async def recompute_provisional() -> int:
    """Recompute the due times of open cases computed on days the calendar did not know."""
    from casework import schedule
    from casework.transitions import OPEN_STATES
    from models.case import Case

    cal = await load_calendar()
    fixed = 0
    for case in await Case.filter(provisional_deadline=True, status__in=OPEN_STATES):
        async with in_transaction() as conn:
            schedule.recompute(case, cal)
            await case.save(using_db=conn, update_fields=schedule.DUE_FIELDS)
        fixed += 1
    return fixed
