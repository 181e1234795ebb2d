"""Stored times are shown in Beijing time: ``iso_stored`` (SQLite's UTC text copied around a
cached hour) shows exactly what ``iso`` of the parsed instant shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hotline.timefmt import iso, iso_stored


@pytest.mark.parametrize("text", [
    "2026-11-18 02:29:55+00:00",
    "2026-11-18 15:59:59.999999+00:00",  # the last moment of a Beijing day
    "2026-11-18 16:00:00+00:00",  # the next Beijing day
    "2026-12-31 20:00:00.000001+00:00",  # the next Beijing year
    "2024-02-28 17:30:00+00:00",  # a leap day in Beijing
    "1988-07-01 12:00:00+00:00",  # Beijing kept summer time then (UTC+9)
    "1991-09-14 16:59:59+00:00",  # its last summer-time second
])
def test_stored_utc_text_is_shown_as_iso_shows_the_instant(text: str) -> None:
    assert iso_stored(text) == iso(datetime.fromisoformat(text))


def test_every_hour_of_a_year_and_a_half_matches() -> None:
    at = datetime(2025, 6, 1, tzinfo=UTC)
    for hours in range(0, 24 * 550, 7):
        moment = at + timedelta(hours=hours, seconds=hours % 60, microseconds=hours % 3)
        assert iso_stored(moment.isoformat(" ")) == iso(moment)


def test_other_forms_are_parsed_as_before() -> None:
    beijing = datetime(2026, 11, 18, 10, 29, 55, tzinfo=timezone(timedelta(hours=8)))
    assert iso_stored(beijing.isoformat(" ")) == "2026-11-18T10:29:55+08:00"
    assert iso_stored("2026-11-18T02:29:55+00:00") == "2026-11-18T10:29:55+08:00"
    assert iso_stored("2026-11-18 02:29:55") == "2026-11-18T10:29:55+08:00"  # naive: UTC
    assert iso_stored(datetime(2026, 11, 18, 2, 29, 55, tzinfo=UTC)) == (
        "2026-11-18T10:29:55+08:00")  # PostgreSQL hands a datetime
    assert iso_stored(None) is None
