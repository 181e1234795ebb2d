"""Civil time: Asia/Shanghai, the zone of day boundaries, working days and every time shown."""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")


def iso(dt: datetime | None) -> str | None:
    """An instant as ISO-8601 in Beijing time (``2026-12-01T18:59:51+08:00``)."""
    return dt.astimezone(SHANGHAI).isoformat() if dt else None
