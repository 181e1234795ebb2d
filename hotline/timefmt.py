"""Civil time: Asia/Shanghai, the zone of day boundaries, working days and every time shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")


def iso(dt: datetime | None) -> str | None:
    """An instant as ISO-8601 in Beijing time (``2026-12-01T18:59:51+08:00``)."""
    return dt.astimezone(SHANGHAI).isoformat() if dt else None


def day_start(day: date) -> datetime:
    """00:00 of ``day`` in Beijing, as a UTC instant: the form to compare stored times with
    (on SQLite the ORM compares a time filter's text, so a +08:00 bound would be 8 hours off)."""
    return datetime.combine(day, time(0), SHANGHAI).astimezone(UTC)
