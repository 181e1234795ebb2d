"""The input policy of the HTTP edge: one home for the types every request field is made of.

Every request body field and every text or numeric query/path parameter is one of these, so a
rule is written once:

- text (:data:`Text`, :data:`Line`) refuses NUL and the other C0 controls except ``\\n`` and
  ``\\t`` (``\\r\\n`` is read as ``\\n``; a one-line field refuses those too), DEL, C1 controls
  and lone surrogates — a 422 with code ``invalid_text`` naming the field. Bidi override and
  isolate characters (U+202A–202E, U+2066–2069) are removed. Text that is not empty must have
  some visible character: whitespace and zero-width characters alone are refused;
- ids are bounded to the column that holds them (:data:`Id` an INTEGER, :data:`BigId` a
  BIGINT), so an id past 2^31 or 2^63 is a 422 instead of an overflow in the database driver;
- dates lie between 2000-01-01 and 2100-12-31; ``occurred_at`` is not more than a few minutes
  ahead (:data:`OccurredAt`);
- cursors (:data:`CursorQuery`) are opaque, bounded strings, signed by ``hotline.cursors``.

The checks are plain string scans, cheap enough for the intake hot path.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Final

from fastapi import Path, Query
from pydantic import AfterValidator, BeforeValidator, Field, Strict
from pydantic_core import PydanticCustomError

from hotline.timefmt import SHANGHAI

# problem codes these types raise, which app_api.errors reports as the problem's ``code``
PROBLEM_CODES: Final = frozenset(
    {"invalid_text", "invalid_date", "invalid_occurred_at", "invalid_amount", "invalid_photo"}
)

MAX_INT: Final = 2**31 - 1  # PostgreSQL INTEGER (and the ids of units, staff, programmes)
MAX_BIGINT: Final = 2**63 - 1  # BIGINT ids (cases, photos, claims, payouts, citizens)
EARLIEST: Final = date(2000, 1, 1)
LATEST: Final = date(2100, 12, 31)
FUTURE_SLACK: Final = timedelta(minutes=5)  # clocks of phones and kiosks run a little fast

# C0 controls but \t and \n, DEL, C1 controls, lone surrogates (json.loads lets "\ud800" in)
_BAD_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_BAD_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# whitespace, zero-width and other invisible format characters: text needs something else
_VISIBLE = re.compile(
    "[^\\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u2060-\u2064\u206a-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f]"
)


def _clean(value: str, bad: re.Pattern[str]) -> str:
    # The common case costs one C-level scan: printable text has no control, bidi, zero-width
    # or other format character, and text not all spaces has a visible character.
    if value.isprintable() and not value.isspace():
        return value
    if "\r" in value and bad is _BAD_TEXT:
        value = value.replace("\r\n", "\n")
    if bad.search(value):
        raise PydanticCustomError("invalid_text", "不得包含控制字符")
    if _BIDI.search(value):
        value = _BIDI.sub("", value).strip()
    if value and not _VISIBLE.search(value):
        raise PydanticCustomError("invalid_text", "须包含可见字符")
    return value


def clean_text(value: str) -> str:
    """Multi-line text: controls but ``\\n``/``\\t`` refused, bidi controls removed, visible."""
    return _clean(value, _BAD_TEXT)


def clean_line(value: str) -> str:
    """One line: every control refused (``\\n`` and ``\\t`` too), bidi removed, visible."""
    return _clean(value, _BAD_LINE)


def check_text(value: str) -> str:
    """Like :func:`clean_text` for a value read outside pydantic (a ``ValueError`` if bad)."""
    try:
        return clean_text(value)
    except PydanticCustomError as exc:
        raise ValueError(exc.message()) from None


Text = Annotated[str, AfterValidator(clean_text)]
"""Free text (content, notes, reasons, addresses); add ``Field(max_length=...)`` where used."""
Line = Annotated[str, AfterValidator(clean_line)]
"""One line (usernames, names, codes, phone numbers)."""

Id = Annotated[int, Field(ge=1, le=MAX_INT)]
"""An id kept in an INTEGER column: units, staff, devices, reward programmes."""
BigId = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
"""An id kept in a BIGINT column: cases, photos, reward claims and payouts."""


def _photo_id(value: int) -> int:
    if not 1 <= value <= MAX_BIGINT:
        raise PydanticCustomError("invalid_photo", "照片不存在")
    return value


PhotoId = Annotated[int, AfterValidator(_photo_id)]
"""A photo id in a body: out of range answers like an unknown photo (422 ``invalid_photo``)."""


def _in_range(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError(
            "invalid_date", "日期须在 {earliest} 至 {latest} 之间",
            {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )
    return value


_EARLIEST_TS: Final = datetime(2000, 1, 1, tzinfo=SHANGHAI).timestamp()
_SLACK_S: Final = FUTURE_SLACK.total_seconds()


def _occurred(value: datetime) -> datetime:
    # the year first: arithmetic on year 1 or 9999 with an offset would overflow
    if value.year < EARLIEST.year:
        raise PydanticCustomError("invalid_occurred_at", "发生时间须在 2000 年之后")
    if value.year > LATEST.year:
        raise PydanticCustomError("invalid_occurred_at", "发生时间不能晚于现在")
    at = (value if value.tzinfo is not None else value.replace(tzinfo=SHANGHAI)).timestamp()
    if at < _EARLIEST_TS:
        raise PydanticCustomError("invalid_occurred_at", "发生时间须在 2000 年之后")
    if at > time.time() + _SLACK_S:
        raise PydanticCustomError("invalid_occurred_at", "发生时间不能晚于现在")
    return value


Day = Annotated[date, Strict(False), AfterValidator(_in_range)]  # ISO strings in JSON bodies
"""A date between 2000-01-01 and 2100-12-31 (bodies and query parameters alike)."""
OccurredAt = Annotated[datetime, AfterValidator(_occurred)]
"""When something happened: from 2000 to a few minutes from now (no zone: Asia/Shanghai)."""


def _plain_decimal(value: Any) -> Any:
    """Amounts as numbers or decimal strings: no exponent, no NaN or infinity, at most 12
    digits before the point (what a BIGINT of fen holds, with room to spare)."""
    if isinstance(value, float) and (value != value or abs(value) >= 1e12):
        raise PydanticCustomError("invalid_amount", "金额超出范围")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**12:
        raise PydanticCustomError("invalid_amount", "金额超出范围")
    if isinstance(value, str) and not re.fullmatch(r"\s*-?[0-9]{1,12}(\.[0-9]+)?\s*", value):
        raise PydanticCustomError("invalid_amount", "金额格式不正确")
    return value


Amount = Annotated[float | int | str, BeforeValidator(_plain_decimal)]
"""A sum of money in yuan (number or decimal string); the services turn it into fen."""

# -- query and path parameters ---------------------------------------------------------------
TRACKING_NO_MAX = 32


def tracking_no_path(description: str = "诉求编号，例如 20261127-000123") -> Any:
    return Path(min_length=1, max_length=TRACKING_NO_MAX, description=description)


TrackingNo = Annotated[Line, tracking_no_path()]
"""A tracking number in a path: bounded, no control characters (NUL breaks PostgreSQL); one
that is well formed but unknown is simply a 404 from the service."""

CURSOR_MAX = 160
CursorQuery = Annotated[
    str | None,
    Query(max_length=CURSOR_MAX, description="上一页回复中的 next_cursor（不透明，经签名）"),
]
"""``?cursor=``: opaque; ``hotline.cursors`` refuses anything it did not sign (422)."""

IdQuery = Annotated[Id | None, Query(description="单位编号")]
DayQuery = Annotated[Day | None, Query()]
LineQuery = Annotated[Line | None, Query(max_length=64)]
