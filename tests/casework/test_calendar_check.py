"""One check of a calendar year, shared by PUT /admin/calendar/{year} and the CLI import."""

from __future__ import annotations

from datetime import date

import pytest

from casework.calendar import CalendarProblem, check_year, check_years


def test_a_good_year_comes_back_as_rows() -> None:
    rows = check_year(2027, [("2027-01-01", False, "元旦"), (date(2027, 2, 20), True, "调休")])
    assert rows == [(date(2027, 1, 1), False, "元旦"), (date(2027, 2, 20), True, "调休")]


@pytest.mark.parametrize(
    ("year", "days", "code", "index"),
    [
        (1999, [("1999-01-01", False, "")], "invalid_year", None),
        (2027, [("2027-01-01", False, ""), ("2027-02-30", False, "")], "invalid_date", 1),
        (2027, [("2028-01-01", False, "")], "date_outside_year", 0),
        (2027, [("2027-01-01", False, ""), ("2027-01-01", True, "")], "duplicate_date", 1),
        (2027, [("2027-01-01", False, ""), ("2027-01-04", True, "")], "workday_contradiction", 1),
        (2027, [("2027-02-20", True, "调休")], "no_holidays", None),
    ],
)
def test_a_bad_year_names_the_entry(
    year: int, days: list[tuple[object, bool, str]], code: str, index: int | None
) -> None:
    with pytest.raises(CalendarProblem) as err:
        check_year(year, days)
    assert (err.value.code, err.value.index) == (code, index)


def test_an_import_file_is_checked_year_by_year() -> None:
    rows = [(date(2026, 1, 1), False, "元旦"), (date(2027, 1, 1), False, "元旦")]
    assert set(check_years(rows)) == {2026, 2027}
    with pytest.raises(CalendarProblem, match="2027"):
        check_years([*rows, (date(2027, 3, 3), True, "调休")])
