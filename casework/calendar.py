"""Working-day calendar of the 12345 hotline (civil time Asia/Shanghai).

Monday-Friday are working days unless the State Council holiday notice says otherwise:
statutory holidays are days off, make-up working days (调休) are worked even on a weekend.
:class:`WorkCalendar` holds those deviations; years whose notice is loaded are "known".
Dates of unknown years follow Mon-Fri and are *provisional*: computations that relied on
one report it.  Data comes from the ``chinesecalendar`` package (:func:`chinese_calendar_rows`,
:meth:`WorkCalendar.from_chinese_calendar`) or from the administrators' import file.

Import file (:func:`parse_calendar_file`), written from the yearly State Council notice,
UTF-8 (a leading BOM is ignored), in one of two formats:

* CSV -- header line ``date,working,name``, then one row per date (blank lines ignored)::

      date,working,name
      2027-01-01,false,元旦
      2027-02-06,true,调休

  ``date`` is ISO ``YYYY-MM-DD``; ``working`` is one of ``true/false/1/0/yes/no``
  (case-insensitive); ``name`` is free text, may be empty, quoted if it contains a comma.

* JSON -- a list of objects with keys ``date``, ``working`` and optionally ``name``::

      [{"date": "2027-01-01", "working": false, "name": "元旦"},
       {"date": "2027-02-06", "working": true, "name": "调休"}]

  ``working`` is a JSON boolean, 0/1 or one of the CSV words; other keys are rejected.

Each date may appear only once.  Malformed input raises :class:`ValueError` whose message
names the offending line ("line 3: ...").  The parser returns ``(date, is_working, name)``
rows, the shape of :func:`chinese_calendar_rows`, for seeding the database table or for
:meth:`WorkCalendar.from_rows` / :meth:`WorkCalendar.with_days`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, time
from types import MappingProxyType
from typing import Literal

CalendarRow = tuple[date, bool, str]

# Chinese names of the holidays known to chinese_calendar (keyed by the package's English name).
HOLIDAY_NAMES_ZH: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
MAKEUP_WORKDAY_NAME = "调休"

_CACHE_LIMIT = 4096


class WorkCalendar:
    """Immutable working-day calendar.

    ``days`` maps dates that deviate from (or confirm) the Mon-Fri rule to True (working) or
    False (day off); a date absent from ``days`` follows Mon-Fri.  Every date of a year not
    in ``known_years`` is provisional (its entry in ``days``, if any, is still used).
    """

    __slots__ = ("_days", "_known_years", "work_start", "work_end", "_cache")

    def __init__(
        self,
        days: Mapping[date, bool],
        known_years: Iterable[int],
        work_start: time = time(9),
        work_end: time = time(17),
    ) -> None:
        if work_start >= work_end:
            raise ValueError("work_start must be before work_end")
        if work_start.tzinfo is not None or work_end.tzinfo is not None:
            raise ValueError("work_start/work_end are naive local (Asia/Shanghai) times")
        self._days: dict[date, bool] = {d: bool(w) for d, w in days.items()}
        self._known_years: frozenset[int] = frozenset(known_years)
        self.work_start = work_start
        self.work_end = work_end
        self._cache: dict[tuple[date, int], tuple[tuple[date, ...], bool]] = {}

    # -- construction -----------------------------------------------------------------
    @classmethod
    def from_rows(
        cls,
        rows: Iterable[CalendarRow],
        known_years: Iterable[int],
        work_start: time = time(9),
        work_end: time = time(17),
    ) -> WorkCalendar:
        """Build from ``(date, is_working, name)`` rows, e.g. read back from the database."""
        return cls({d: w for d, w, _name in rows}, known_years, work_start, work_end)

    @classmethod
    def from_chinese_calendar(
        cls,
        years: Iterable[int] | None = None,
        work_start: time = time(9),
        work_end: time = time(17),
    ) -> WorkCalendar:
        """Calendar from the chinese_calendar package.

        ``years`` restricts the data used; requested years the package has no data for are
        silently left unknown (provisional).
        """
        supported = known_years_from_chinese_calendar()
        wanted = supported if years is None else supported & set(years)
        rows = [r for r in chinese_calendar_rows() if r[0].year in wanted]
        return cls.from_rows(rows, wanted, work_start, work_end)

    def with_days(
        self, days: Mapping[date, bool] | Iterable[CalendarRow], known_years: Iterable[int] = ()
    ) -> WorkCalendar:
        """New calendar with ``days`` overriding/adding entries and ``known_years`` added.

        ``days`` may be a mapping ``date -> is_working`` or ``(date, is_working, name)`` rows
        (as returned by :func:`parse_calendar_file`).
        """
        merged = dict(self._days)
        if isinstance(days, Mapping):
            merged.update(days)
        else:
            merged.update((d, w) for d, w, _name in days)
        return WorkCalendar(
            merged, self._known_years | set(known_years), self.work_start, self.work_end
        )

    # -- queries ----------------------------------------------------------------------
    @property
    def days(self) -> Mapping[date, bool]:
        return MappingProxyType(self._days)

    @property
    def known_years(self) -> frozenset[int]:
        return self._known_years

    def is_workday(self, d: date) -> bool:
        explicit = self._days.get(d)
        return d.weekday() < 5 if explicit is None else explicit

    def is_provisional(self, d: date) -> bool:
        """True when ``d`` is in a year whose holiday notice is not loaded."""
        return d.year not in self._known_years

    def workdays_after(self, d: date, n: int) -> tuple[tuple[date, ...], bool]:
        """The first ``n`` working days strictly after ``d`` and whether any consulted day
        (every day from ``d + 1`` up to the last returned one) was provisional."""
        if n < 0:
            raise ValueError("n must be >= 0")
        key = (d, n)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        found: list[date] = []
        provisional = False
        ordinal = d.toordinal()
        while len(found) < n:
            ordinal += 1
            day = date.fromordinal(ordinal)
            provisional = provisional or self.is_provisional(day)
            if self.is_workday(day):
                found.append(day)
        result = (tuple(found), provisional)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = result
        return result

    def next_workday(self, d: date, *, inclusive: bool = False) -> tuple[date, bool]:
        """The first working day on/after (``inclusive``) or after ``d``, and provisionality."""
        if inclusive and self.is_workday(d):
            return d, self.is_provisional(d)
        (found,), provisional = self.workdays_after(d, 1)
        return found, provisional or (inclusive and self.is_provisional(d))

    def __repr__(self) -> str:
        years = sorted(self._known_years)
        span = f"{years[0]}-{years[-1]}" if years else "none"
        return f"<WorkCalendar {len(self._days)} days, known years {span}>"


# -- chinese_calendar package ---------------------------------------------------------
def known_years_from_chinese_calendar() -> set[int]:
    """Years the installed chinese_calendar has data for (it raises beyond them)."""
    from chinese_calendar import constants

    first = min(constants.holidays).year
    last = max(constants.holidays).year
    return set(range(first, last + 1))


def chinese_calendar_rows() -> list[CalendarRow]:
    """All holidays (False, Chinese holiday name) and make-up working days (True, "调休")
    known to chinese_calendar, sorted by date."""
    from chinese_calendar import constants

    rows: list[CalendarRow] = [
        (d, False, HOLIDAY_NAMES_ZH.get(name, name)) for d, name in constants.holidays.items()
    ]
    rows += [(d, True, MAKEUP_WORKDAY_NAME) for d in constants.workdays]
    rows.sort(key=lambda r: r[0])
    return rows


# -- import files ---------------------------------------------------------------------
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _parse_date(value: object, line: int) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        raise ValueError(f"line {line}: date must be YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"line {line}: invalid date {value!r}") from None


def _parse_working(value: object, line: int) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ValueError(f"line {line}: working must be true/false/1/0/yes/no, got {value!r}")


def _parse_csv(text: str) -> list[tuple[int, date, bool, str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[tuple[int, date, bool, str]] = []
    header_seen = False
    try:
        for record in reader:
            line = reader.line_num
            if not record or all(not c.strip() for c in record):
                continue
            if not header_seen:
                if [c.strip().lower() for c in record] != ["date", "working", "name"]:
                    raise ValueError(f"line {line}: header must be 'date,working,name'")
                header_seen = True
                continue
            if len(record) != 3:
                raise ValueError(f"line {line}: expected 3 fields, got {len(record)}")
            d = _parse_date(record[0], line)
            out.append((line, d, _parse_working(record[1], line), record[2].strip()))
    except csv.Error as exc:
        raise ValueError(f"line {reader.line_num}: {exc}") from None
    if not header_seen:
        raise ValueError("line 1: empty file, header 'date,working,name' expected")
    return out


def _parse_json(text: str) -> list[tuple[int, date, bool, str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(data, list):
        raise ValueError("line 1: JSON must be a list of objects")
    # Re-scan the top-level array to learn on which line each element starts.
    decoder = json.JSONDecoder()

    def skip_ws(at: int) -> int:
        while at < len(text) and text[at] in " \t\n\r":
            at += 1
        return at

    pos = skip_ws(text.index("[") + 1)
    out: list[tuple[int, date, bool, str]] = []
    for _ in range(len(data)):
        line = text.count("\n", 0, pos) + 1
        item, end = decoder.raw_decode(text, pos)
        pos = skip_ws(skip_ws(end) + 1)  # past the ',' (or the final ']')
        if not isinstance(item, dict):
            raise ValueError(f"line {line}: each entry must be an object")
        unknown = set(item) - {"date", "working", "name"}
        if unknown:
            raise ValueError(f"line {line}: unknown key(s) {sorted(unknown)}")
        missing = [key for key in ("date", "working") if key not in item]
        if missing:
            raise ValueError(f"line {line}: missing key {missing[0]!r}")
        name = "" if item.get("name") is None else item["name"]
        if not isinstance(name, str):
            raise ValueError(f"line {line}: name must be a string")
        d = _parse_date(item["date"], line)
        out.append((line, d, _parse_working(item["working"], line), name.strip()))
    return out


def parse_calendar_file(text: str, fmt: Literal["csv", "json"]) -> list[CalendarRow]:
    """Parse an administrator's calendar import file (see the module docstring).

    Returns ``(date, is_working, name)`` rows in file order; raises ValueError naming the
    line on malformed input or a date given twice.
    """
    text = text.removeprefix("\ufeff")
    if fmt == "csv":
        parsed = _parse_csv(text)
    elif fmt == "json":
        parsed = _parse_json(text)
    else:
        raise ValueError(f"unknown calendar file format {fmt!r} (expected 'csv' or 'json')")
    seen: dict[date, int] = {}
    rows: list[CalendarRow] = []
    for line, d, working, name in parsed:
        if d in seen:
            raise ValueError(f"line {line}: date {d.isoformat()} already given on line {seen[d]}")
        seen[d] = line
        rows.append((d, working, name))
    return rows


# -- checking a year (the one place both the API and the CLI import use) ----------------------
FIRST_YEAR, LAST_YEAR = 2000, 2100
WEEKDAYS_ZH = "一二三四五六日"


class CalendarProblem(ValueError):
    """A year of holidays that cannot be stored: ``index`` is the offending entry's position
    in the list given (None for the year as a whole), ``field`` its key."""

    def __init__(self, message: str, code: str, index: int | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.code, self.index, self.field = message, code, index, field


def _entry_date(value: object, index: int) -> date:
    if isinstance(value, date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise CalendarProblem(f"第 {index + 1} 项的日期 {value!r} 无效，应为 YYYY-MM-DD",
                          "invalid_date", index, "date")


def check_year(year: int, days: Iterable[tuple[object, bool, str]]) -> list[CalendarRow]:
    """The holidays (working False) and make-up working days (True) of one year, checked:
    every date valid, in ``year`` and given once; no make-up working day on a Monday–Friday
    (already a working day: the notice would contradict itself); at least one holiday.
    Returns the rows; raises :class:`CalendarProblem` naming the first offending entry."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CalendarProblem(f"年份须在 {FIRST_YEAR} 到 {LAST_YEAR} 之间", "invalid_year",
                              field="year")
    rows: list[CalendarRow] = []
    seen: dict[date, int] = {}
    for index, (value, working, name) in enumerate(days):
        d = _entry_date(value, index)
        if d.year != year:
            raise CalendarProblem(f"第 {index + 1} 项的日期 {d.isoformat()} 不在 {year} 年内",
                                  "date_outside_year", index, "date")
        if d in seen:
            raise CalendarProblem(
                f"第 {index + 1} 项的日期 {d.isoformat()} 与第 {seen[d] + 1} 项重复",
                "duplicate_date", index, "date")
        seen[d] = index
        if working and d.weekday() < 5:
            raise CalendarProblem(
                f"第 {index + 1} 项：{d.isoformat()} 是星期{WEEKDAYS_ZH[d.weekday()]}，"
                "本就是工作日，不能作为调休上班日", "workday_contradiction", index, "working")
        rows.append((d, bool(working), name))
    if not any(not working for _, working, _ in rows):
        raise CalendarProblem(f"{year} 年没有任何节假日，请检查导入的数据", "no_holidays",
                              field="days")
    return rows


def check_years(rows: Iterable[CalendarRow]) -> dict[int, list[CalendarRow]]:
    """An import file's rows checked year by year (:func:`check_year`)."""
    by_year: dict[int, list[CalendarRow]] = {}
    for row in rows:
        by_year.setdefault(row[0].year, []).append(row)
    return {year: check_year(year, by_year[year]) for year in sorted(by_year)}
