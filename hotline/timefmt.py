"""Civil time: Asia/Shanghai, the zone of day boundaries, working days and every time shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")


def iso(dt: datetime | None) -> str | None:
    """An instant as ISO-8601 in Beijing time (``2026-12-01T18:59:51+08:00``)."""
    return dt.astimezone(SHANGHAI).isoformat() if dt else None


# A stored instant on SQLite is the text ``YYYY-MM-DD HH:MM:SS[.ffffff]+00:00`` (the ORM's
# ``isoformat(" ")`` of a UTC datetime). Shanghai's offset is a whole number of hours and
# changed (1986-1991) only on the hour, so within one UTC hour the conversion moves only
# the date and the hour: the Beijing "date T hour" and offset of that UTC hour are computed
# once by :func:`iso` (zoneinfo decides) and the minutes, seconds and fraction are copied.
_UTC_TEXT_LENGTHS: Final = frozenset({25, 32})  # without and with microseconds


@lru_cache(maxsize=8192)  # about a year of distinct hours
def _beijing_hour(utc_hour: str) -> tuple[str, str] | None:
    """``YYYY-MM-DDTHH`` and ``+08:00`` in Beijing for the UTC hour ``YYYY-MM-DD HH``."""
    try:
        shown = iso(datetime.fromisoformat(utc_hour + ":00:00+00:00"))
    except ValueError:
        return None
    if shown is None or shown[14:19] != "00:00":  # not a whole-hour offset: no shortcut
        return None
    return shown[:13], shown[-6:]


def iso_stored(value: str | datetime | None) -> str | None:
    """A timestamp column as read by raw SQL (UTC text on SQLite, a datetime on PostgreSQL),
    shown as :func:`iso` shows it; about four times cheaper for SQLite's text."""
    if value is None:
        return None
    if isinstance(value, str):
        if (
            len(value) in _UTC_TEXT_LENGTHS and value.endswith("+00:00")
            and value[10] == " " and value[13] == ":" and value[16] == ":"
        ):
            hour = _beijing_hour(value[:13])
            if hour is not None:
                return hour[0] + value[13:-6] + hour[1]
        value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
    return iso(value)


def day_start(day: date) -> datetime:
    """00:00 of ``day`` in Beijing, as a UTC instant: the form to compare stored times with
    (on SQLite the ORM compares a time filter's text, so a +08:00 bound would be 8 hours off)."""
    return datetime.combine(day, time(0), SHANGHAI).astimezone(UTC)
