"""The working calendar kept in the database: seeding, importing a year, loading (cached)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tortoise.transactions import in_transaction

from audit import log as audit
from audit.log import Actor
from casework.calendar import (
    CalendarProblem,
    CalendarRow,
    WorkCalendar,
    check_year,
    chinese_calendar_rows,
    known_years_from_chinese_calendar,
)
from casework.reference import province_scope
from hotline import generations
from hotline import settings as settings_mod
from hotline.db import flat_values
from hotline.errors import ValidationProblem
from hotline.generations import CALENDAR, Cached
from identity.principal import Principal
from models.calendar import CalendarDay, CalendarYear


async def _load() -> WorkCalendar:
    rows = await CalendarDay.all().values_list("date", "working", "name")
    years: list[int] = await flat_values(CalendarYear.all(), "year")
    s = settings_mod.current()
    return WorkCalendar.from_rows(
        [(d, w, n) for d, w, n in rows], set(years), s.work_start, s.work_end
    )


_calendar = Cached(CALENDAR, _load)


def invalidate() -> None:
    """Drop this process's copy (after a change made behind the services' back)."""
    _calendar.clear()


async def load_calendar() -> WorkCalendar:
    """The calendar as stored; each process keeps a copy until a change is announced
    (:mod:`hotline.generations`, name ``"calendar"``)."""
    return await _calendar.get()


def _counts(rows: list[tuple[bool, str]], source: str | None) -> dict[str, Any]:
    holidays = sum(1 for working, _ in rows if not working)
    return {"days": len(rows), "holidays": holidays, "workdays": len(rows) - holidays,
            "source": source}


async def import_rows(
    rows: list[CalendarRow], years: set[int], source: str,
    actor: Actor | Principal | None = None,
) -> int:
    """Store the days of whole years (replacing what those years had) and mark them known.

    Every process drops its copy of the calendar after the commit (generation
    ``"calendar"``); each year imported is one audit entry ``calendar.import``.
    """
    scope_path = await province_scope()
    try:
        async with in_transaction() as conn:
            await generations.bump(conn, generations.CALENDAR)
            for year in sorted(years):
                span = {"date__gte": date(year, 1, 1), "date__lte": date(year, 12, 31)}
                old_rows = await CalendarDay.filter(**span).using_db(conn).values_list(
                    "working", "name")
                old = await CalendarYear.filter(year=year).using_db(conn).first()
                before = _counts(list(old_rows), old.source if old else None)
                await CalendarDay.filter(**span).using_db(conn).delete()
                new = [(d, w, n) for d, w, n in rows if d.year == year]
                await CalendarDay.bulk_create(
                    [CalendarDay(date=d, working=w, name=n) for d, w, n in new], using_db=conn
                )
                await CalendarYear.update_or_create(
                    year=year, defaults={"source": source}, using_db=conn
                )
                after = _counts([(w, n) for _, w, n in new], source)
                await audit.record(conn, actor, "calendar.import", f"calendar:{year}",
                                   scope_path=scope_path,
                                   before=before if old is not None else None, after=after)
    finally:
        generations.published(generations.CALENDAR)
    return sum(1 for d, _, _ in rows if d.year in years)


async def year_view(year: int) -> dict[str, Any]:
    """A year as stored: ``{year, known, source, days: [{date, working, name}]}``."""
    known = await CalendarYear.get_or_none(year=year)
    rows = await CalendarDay.filter(
        date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)
    ).order_by("date")
    return {
        "year": year,
        "known": known is not None,
        "source": known.source if known else None,
        "days": [{"date": r.date.isoformat(), "working": r.working, "name": r.name}
                 for r in rows],
    }


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


async def import_year(
    actor: Actor | Principal, year: int, days: list[tuple[str, bool, str]]
) -> dict[str, Any]:
    """``PUT /admin/calendar/{year}``: check the year as the CLI import does, replace it, and
    recompute the provisional due times: ``{year, days, holidays, workdays, recomputed}``."""
    try:
        rows = check_year(year, days)
    except CalendarProblem as exc:
        if exc.index is not None:
            loc: list[str | int] = ["body", "days", exc.index, exc.field or "date"]
        else:
            loc = ["path", "year"] if exc.field == "year" else ["body", "days"]
        raise ValidationProblem(exc.message, code=exc.code, extra={
            "errors": [{"loc": loc, "msg": exc.message, "type": exc.code}]
        }) from None
    await import_rows(rows, {year}, "api:admin", actor)
    counts = _counts([(w, n) for _, w, n in rows], None)
    recomputed = await recompute_provisional()
    return {"year": year, "days": counts["days"], "holidays": counts["holidays"],
            "workdays": counts["workdays"], "recomputed": recomputed}
