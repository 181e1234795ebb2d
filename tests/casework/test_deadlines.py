"""Working-day calendar and deadline arithmetic (pure, synchronous).

Expectations are worked out by hand from the rules; weekdays are noted in comments.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from casework import schedule
from casework.calendar import (
    WorkCalendar,
    chinese_calendar_rows,
    known_years_from_chinese_calendar,
    parse_calendar_file,
)
from casework.deadlines import (
    PROCEDURE_LIMITS,
    Due,
    add_days,
    add_working_days,
    dispatch_due,
    light,
    procedure_limits,
    sign_due,
)
from hotline.timefmt import SHANGHAI

CAL = WorkCalendar.from_chinese_calendar()
SECOND = timedelta(seconds=1)


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


def eod(y: int, m: int, d: int) -> datetime:
    return sh(y, m, d, 23, 59, 59)


# -- calendar data -----------------------------------------------------------------------------
def test_chinese_calendar_data() -> None:
    years = known_years_from_chinese_calendar()
    assert {2025, 2026} <= years and 2027 not in years
    assert CAL.known_years == frozenset(years)
    rows = chinese_calendar_rows()
    assert (date(2025, 10, 1), False, "国庆节") in rows
    assert (date(2025, 10, 6), False, "中秋节") in rows
    assert (date(2025, 9, 28), True, "调休") in rows
    assert rows == sorted(rows, key=lambda r: r[0])
    # 2025 National Day + Mid-Autumn: Oct 1-8 off, Sun Sep 28 and Sat Oct 11 worked.
    assert all(not CAL.is_workday(date(2025, 10, d)) for d in range(1, 9))
    assert CAL.is_workday(date(2025, 9, 28)) and CAL.is_workday(date(2025, 10, 11))
    assert CAL.is_workday(date(2025, 10, 9)) and not CAL.is_workday(date(2025, 10, 12))
    # 2026 Spring Festival: Feb 15-23 off, Sat Feb 14 and Sat Feb 28 worked.
    assert all(not CAL.is_workday(date(2026, 2, d)) for d in range(15, 24))
    assert CAL.is_workday(date(2026, 2, 14)) and CAL.is_workday(date(2026, 2, 28))
    assert not CAL.is_provisional(date(2026, 7, 1))
    assert CAL.is_provisional(date(2027, 7, 1))


def test_from_chinese_calendar_restricted_years() -> None:
    cal = WorkCalendar.from_chinese_calendar(years=[2025, 2099])
    assert cal.known_years == {2025}
    assert not cal.is_workday(date(2025, 10, 1))
    # 2026-02-16 is a Monday: without 2026 data it is a provisional working day.
    assert cal.is_workday(date(2026, 2, 16)) and cal.is_provisional(date(2026, 2, 16))


# -- N working days / N days ---------------------------------------------------------------
def test_working_days_over_national_day_2025() -> None:
    # day 0 = Tue Sep 30 (a working day, but day 0 never counts).
    # Working days after it: Thu Oct 9, Fri Oct 10, Sat Oct 11 (make-up), Mon Oct 13, Tue 14,
    # Wed 15, Thu 16.
    start = sh(2025, 9, 30, 10)
    assert add_working_days(CAL, start, 3) == Due(eod(2025, 10, 11), sh(2025, 10, 11), False)
    # 5 wd -> Oct 14; ceil(5/5)=1 -> yellow from 00:00 of working day 5 (Oct 14).
    assert add_working_days(CAL, start, 5) == Due(eod(2025, 10, 14), sh(2025, 10, 14), False)
    # 7 wd -> Oct 16; ceil(7/5)=2 -> yellow from 00:00 of working day 6 (Oct 15).
    assert add_working_days(CAL, start, 7) == Due(eod(2025, 10, 16), sh(2025, 10, 15), False)
    # Input in another zone: 2025-09-29 17:00 UTC = Sep 30 01:00 Shanghai -> same day 0.
    utc = datetime(2025, 9, 29, 17, tzinfo=UTC)
    assert add_working_days(CAL, utc, 3).at == eod(2025, 10, 11)
    assert add_working_days(CAL, utc, 3).at.tzinfo == SHANGHAI
    # day 0 = Fri Sep 26: Sun Sep 28 (make-up), Mon Sep 29, Tue Sep 30 -> Sep 30.
    assert add_working_days(CAL, sh(2025, 9, 26, 9), 3).at == eod(2025, 9, 30)


def test_working_days_over_spring_festival_2026() -> None:
    # day 0 = Fri Feb 13. Working days after: Sat Feb 14 (make-up), then Feb 15-23 off,
    # Tue Feb 24, Wed 25, Thu 26, Fri 27, Sat Feb 28 (make-up), Mon Mar 2.
    start = sh(2026, 2, 13, 15)
    assert add_working_days(CAL, start, 3) == Due(eod(2026, 2, 25), sh(2026, 2, 25), False)
    assert add_working_days(CAL, start, 5) == Due(eod(2026, 2, 27), sh(2026, 2, 27), False)
    # 7 wd -> Mar 2; yellow from working day 6 = Sat Feb 28.
    assert add_working_days(CAL, start, 7) == Due(eod(2026, 3, 2), sh(2026, 2, 28), False)


def test_yellow_windows() -> None:
    # day 0 = Mon 2025-11-03, no holidays until 2026-01-01.
    start = sh(2025, 11, 3, 10)
    # 3 wd: Nov 4, 5, 6 -> yellow from wd 3 (Nov 6).
    assert add_working_days(CAL, start, 3) == Due(eod(2025, 11, 6), sh(2025, 11, 6))
    # 5 wd: Nov 4, 5, 6, 7, 10 -> yellow from wd 5 (Nov 10).
    assert add_working_days(CAL, start, 5) == Due(eod(2025, 11, 10), sh(2025, 11, 10))
    # 7 wd: ..., Nov 11, 12 -> yellow from wd 6 (Nov 11).
    assert add_working_days(CAL, start, 7) == Due(eod(2025, 11, 12), sh(2025, 11, 11))
    # 15 days: Nov 18; last ceil(15/5)=3 days are 13..15 -> yellow from day 13 = Nov 16.
    assert add_days(CAL, start, 15) == Due(eod(2025, 11, 18), sh(2025, 11, 16))
    # 30 days: Dec 3; last 6 days are 25..30 -> day 25 = Nov 28.
    assert add_days(CAL, start, 30) == Due(eod(2025, 12, 3), sh(2025, 11, 28))
    # 60 days: Nov 3 + 60 = Jan 2 2026 (calendar days ignore the New Year holiday);
    # last 12 days are 49..60 -> day 49 = Dec 22.
    assert add_days(CAL, start, 60) == Due(eod(2026, 1, 2), sh(2025, 12, 22))


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError):
        add_working_days(CAL, datetime(2025, 11, 3, 10), 3)  # naive
    with pytest.raises(ValueError):
        add_working_days(CAL, sh(2025, 11, 3), 0)
    with pytest.raises(ValueError):
        add_days(CAL, sh(2025, 11, 3), 0)


# -- dispatch / sign -----------------------------------------------------------------------
def test_dispatch_due() -> None:
    # Working day: due the same day, yellow after 80 % of 09:00-17:00 = 15:24.
    assert dispatch_due(CAL, sh(2025, 11, 3, 22)) == Due(eod(2025, 11, 3), sh(2025, 11, 3, 15, 24))
    # Holiday Fri Oct 3 2025 -> next working day Thu Oct 9.
    assert dispatch_due(CAL, sh(2025, 10, 3, 10)) == Due(eod(2025, 10, 9), sh(2025, 10, 9, 15, 24))
    # Spring Festival Mon Feb 16 2026 -> Tue Feb 24.
    assert dispatch_due(CAL, sh(2026, 2, 16, 8)).at == eod(2026, 2, 24)
    # Sat Sep 27 2025 -> Sun Sep 28 is a make-up working day.
    assert dispatch_due(CAL, sh(2025, 9, 27, 12)).at == eod(2025, 9, 28)


def test_sign_due() -> None:
    # Fri 2025-11-14 16:30: 30 min Friday + 90 min Monday -> Mon Nov 17 10:30.
    # Yellow after 96 working minutes: 30 Friday + 66 Monday -> 10:06.
    assert sign_due(CAL, sh(2025, 11, 14, 16, 30)) == Due(
        sh(2025, 11, 17, 10, 30), sh(2025, 11, 17, 10, 6)
    )
    # Fri 2026-02-13 16:30: next working day is the make-up Sat Feb 14 -> 10:30.
    assert sign_due(CAL, sh(2026, 2, 13, 16, 30)).at == sh(2026, 2, 14, 10, 30)
    # Wed 2025-11-12 20:00 (after hours): counting starts Thu 09:00 -> 11:00, yellow 10:36.
    assert sign_due(CAL, sh(2025, 11, 12, 20)) == Due(
        sh(2025, 11, 13, 11), sh(2025, 11, 13, 10, 36)
    )
    # Before hours: Thu 07:00 -> counting starts 09:00 the same day.
    assert sign_due(CAL, sh(2025, 11, 13, 7)).at == sh(2025, 11, 13, 11)
    # Holiday Fri Oct 3 2025 -> Thu Oct 9 09:00 + 2 h.
    assert sign_due(CAL, sh(2025, 10, 3, 10)).at == sh(2025, 10, 9, 11)
    # Exactly fills the day: Thu 15:00 + 2 h -> 17:00 the same day.
    assert sign_due(CAL, sh(2025, 11, 13, 15)).at == sh(2025, 11, 13, 17)
    # At 17:00 nothing is left of the day -> Fri 11:00.
    assert sign_due(CAL, sh(2025, 11, 13, 17)).at == sh(2025, 11, 14, 11)


# -- unknown years ---------------------------------------------------------------------------
def test_unknown_year_is_provisional_until_imported() -> None:
    # day 0 = Thu 2026-12-31 (known). 2027 unknown: Fri Jan 1 assumed working.
    # 3 wd: Fri Jan 1, Mon Jan 4, Tue Jan 5 -> provisional.
    start = sh(2026, 12, 31, 10)
    assert add_working_days(CAL, start, 3) == Due(eod(2027, 1, 5), sh(2027, 1, 5), True)
    assert dispatch_due(CAL, sh(2027, 1, 1, 10)) == Due(
        eod(2027, 1, 1), sh(2027, 1, 1, 15, 24), True
    )
    assert sign_due(CAL, sh(2026, 12, 31, 16, 30)).provisional
    # A purely calendar-day limit does not consult the calendar.
    assert not add_days(CAL, start, 30).provisional
    # Wed 2027-03-10: Thu 11, Fri 12, Mon 15 (Mon-Fri rule).
    assert add_working_days(CAL, sh(2027, 3, 10), 3) == Due(eod(2027, 3, 15), sh(2027, 3, 15), True)

    rows = parse_calendar_file("date,working,name\n2027-01-01,false,元旦\n", "csv")
    imported = CAL.with_days(rows, known_years={2027})
    assert CAL.is_workday(date(2027, 1, 1))  # the original calendar is unchanged
    # Jan 1 off, Jan 2-3 weekend -> Mon Jan 4, Tue 5, Wed 6.
    assert add_working_days(imported, start, 3) == Due(eod(2027, 1, 6), sh(2027, 1, 6), False)
    assert dispatch_due(imported, sh(2027, 1, 1, 10)).at == eod(2027, 1, 4)
    assert not dispatch_due(imported, sh(2027, 1, 1, 10)).provisional
    assert add_working_days(imported, sh(2027, 3, 10), 3) == Due(eod(2027, 3, 15), sh(2027, 3, 15))


def test_partial_data_of_unknown_year_is_used_but_provisional() -> None:
    # Entries for a year not (yet) marked known are honoured, but the year stays provisional.
    cal = CAL.with_days({date(2027, 1, 1): False})
    assert not cal.is_workday(date(2027, 1, 1)) and cal.is_provisional(date(2027, 1, 1))
    # day 0 = Thu 2026-12-31: Jan 1 off, weekend -> Mon Jan 4, Tue 5, Wed 6, still provisional.
    due = add_working_days(cal, sh(2026, 12, 31, 10), 3)
    assert due == Due(eod(2027, 1, 6), sh(2027, 1, 6), True)
    assert not CAL.with_days({}, known_years={2027}).is_provisional(date(2027, 1, 4))


# -- procedures: casework.schedule stores them, counted by deadlines.procedure_limits --------
def blank_case(created_at: datetime, procedure: str | None = None) -> Any:
    fields = {f"due_{k}": None for k in schedule.KINDS}
    return SimpleNamespace(
        created_at=created_at, procedure=procedure, due_meta={}, met=[], next_due_kind=None,
        next_due_at=None, warn_at=None, provisional_deadline=False, **fields,
    )


def dues_of(procedure: str, start: datetime, extension_days: int = 0) -> dict[str, Due]:
    case = blank_case(start, procedure)
    schedule.set_procedure_dues(case, CAL, procedure, extension_days)
    return {
        k: Due(getattr(case, f"due_{k}"), datetime.fromisoformat(m["warn"]), m["prov"])
        for k, m in case.due_meta.items()
    }


def test_procedure_dues() -> None:
    start = sh(2025, 11, 3, 10)  # Mon
    simple = dues_of("simple", start)
    assert simple == {
        "transfer": add_working_days(CAL, start, 3),
        "complete": add_working_days(CAL, start, 7),
    }
    assert simple["complete"].at == eod(2025, 11, 12)
    normal = dues_of("normal", start)
    assert set(normal) == {"transfer", "notice", "complete"}
    assert normal["transfer"].at == normal["notice"].at == eod(2025, 11, 10)
    assert normal["complete"] == Due(eod(2025, 12, 3), sh(2025, 11, 28))
    petition = dues_of("petition", start)
    assert petition["notice"].at == eod(2025, 11, 18)
    assert petition["complete"].at == eod(2026, 1, 2)
    # Extension of 30 days: Jan 2 + 30 = Feb 1 2026; the 90-day total is yellow for its last
    # 18 days, i.e. from day 73 = Jan 15 2026.
    extended = dues_of("petition", start, extension_days=30)
    assert extended["complete"] == Due(eod(2026, 2, 1), sh(2026, 1, 15))
    assert extended["notice"] == petition["notice"]
    assert dues_of("immediate", start) == {}
    assert set(PROCEDURE_LIMITS) == {"simple", "normal", "petition", "immediate"}


def test_an_approved_extension_moves_only_the_completion_due() -> None:
    start = sh(2025, 11, 3, 10)
    case = blank_case(start, "petition")
    schedule.set_procedure_dues(case, CAL, "petition")
    schedule.meet(case, "notice")
    due = schedule.extend_completion(case, CAL, 30)
    assert due == Due(eod(2026, 2, 1), sh(2026, 1, 15))
    assert case.due_complete == due.at and case.met == ["notice"]
    assert case.due_notice == dues_of("petition", start)["notice"].at


def test_a_reopened_case_gets_its_full_completion_limit_again() -> None:
    case = blank_case(sh(2025, 11, 3, 10), "immediate")  # answered at once, then reopened
    due = schedule.restart_completion(case, CAL, sh(2025, 11, 20, 15))  # Thu
    assert case.procedure == "simple" and due == add_working_days(CAL, sh(2025, 11, 20, 15), 7)


@pytest.mark.parametrize(
    ("procedure", "ext"), [("petition", 31), ("petition", -1), ("simple", 5), ("bogus", 0)]
)
def test_procedure_limits_reject(procedure: str, ext: int) -> None:
    with pytest.raises(ValueError):
        procedure_limits(procedure, extension_days=ext)
    with pytest.raises(ValueError):
        schedule.set_procedure_dues(blank_case(sh(2025, 11, 3)), CAL, procedure, ext)


def test_next_due_is_the_earliest_unmet() -> None:
    case = blank_case(sh(2025, 11, 3, 10), "normal")
    schedule.set_procedure_dues(case, CAL, "normal")
    schedule.refresh_next(case)
    assert case.next_due_kind == "transfer"  # tie with notice: the first of schedule.KINDS
    for met, expected in [("transfer", "notice"), ("notice", "complete"), ("complete", None)]:
        schedule.meet(case, met)
        schedule.refresh_next(case)
        assert case.next_due_kind == expected
    assert case.next_due_at is None and case.warn_at is None
    schedule.clear_due(case, "transfer")
    case.met = []
    schedule.refresh_next(case)
    assert case.next_due_kind == "notice"


def test_light_boundaries() -> None:
    due = add_working_days(CAL, sh(2025, 11, 3, 10), 3)  # Nov 6 23:59:59, warn Nov 6 00:00
    assert light(due.warn_at - SECOND, due.at, due.warn_at) == "green"
    assert light(due.warn_at, due.at, due.warn_at) == "yellow"
    assert light(due.at, due.at, due.warn_at) == "yellow"  # exactly at due is not red
    assert light(due.at + SECOND, due.at, due.warn_at) == "red"
    assert light(due.at, None, None) is None
    # Comparison is by instant, whatever the zone of "now".
    assert light(due.at.astimezone(UTC) + SECOND, due.at, due.warn_at) == "red"


# -- import files --------------------------------------------------------------------------
def test_parse_csv() -> None:
    text = (
        "\ufeffdate,working,name\r\n"
        "2027-01-01,false,元旦\r\n"
        "\r\n"
        '2027-02-06,YES,"调休, 春节"\r\n'
        "2027-02-07, 1 ,\r\n"
        "2027-02-08,no,春节\r\n"
    )
    assert parse_calendar_file(text, "csv") == [
        (date(2027, 1, 1), False, "元旦"),
        (date(2027, 2, 6), True, "调休, 春节"),
        (date(2027, 2, 7), True, ""),
        (date(2027, 2, 8), False, "春节"),
    ]


def test_parse_json() -> None:
    text = json.dumps(
        [
            {"date": "2027-01-01", "working": False, "name": "元旦"},
            {"date": "2027-02-06", "working": True, "name": "调休"},
            {"date": "2027-02-07", "working": "yes"},
        ],
        ensure_ascii=False,
        indent=2,
    )
    assert parse_calendar_file(text, "json") == [
        (date(2027, 1, 1), False, "元旦"),
        (date(2027, 2, 6), True, "调休"),
        (date(2027, 2, 7), True, ""),
    ]
    assert parse_calendar_file("[]", "json") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1"),
        ("day,working,name\n2027-01-01,false,x\n", "line 1: header"),
        ("date,working,name\n2027-01-01,false,x\n2027-13-01,false,x\n", "line 3: invalid date"),
        ("date,working,name\n2027/01/01,false,x\n", "line 2: date"),
        ("date,working,name\n2027-01-01,maybe,x\n", "line 2: working"),
        ("date,working,name\n2027-01-01,false\n", "line 2: expected 3 fields"),
        ("date,working,name\n\n2027-01-01,false,x\n2027-01-01,true,y\n", "line 4: date 2027"),
    ],
)
def test_parse_csv_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_calendar_file(text, "csv")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"date": "2027-01-01", "working": false},\n {"date": "2027-01-02"', "line 2: invalid"),
        ('{"date": "2027-01-01", "working": false}', "line 1: JSON must be a list"),
        ('[\n {"date": "2027-01-01", "working": false},\n 3\n]', "line 3: each entry"),
        ('[\n\n {"date": "2027-01-01"}\n]', "line 3: missing key 'working'"),
        ('[{"date": "2027-01-01", "working": 2}]', "line 1: working"),
        ('[{"date": 20270101, "working": true}]', "line 1: date"),
        ('[{"date": "2027-01-01", "working": true, "nam": "x"}]', "line 1: unknown key"),
        ('[{"date": "2027-01-01", "working": true, "name": 5}]', "line 1: name"),
        (
            '[{"date": "2027-01-01", "working": true},\n{"date": "2027-01-01", "working": 0}]',
            "line 2: date 2027-01-01 already given on line 1",
        ),
    ],
)
def test_parse_json_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_calendar_file(text, "json")


def test_parse_unknown_format() -> None:
    with pytest.raises(ValueError, match="format"):
        parse_calendar_file("", "xml")  # type: ignore[arg-type]
