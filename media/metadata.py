"""EXIF extraction (orientation, GPS, capture time) -- read before everything is stripped.

Metadata is best effort: a malformed EXIF block never rejects a photo, it just yields ``None``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from io import BytesIO
from typing import Any, Final

from PIL import Image
from PIL.ExifTags import IFD

from hotline.timefmt import SHANGHAI

TAG_ORIENTATION: Final = 0x0112
TAG_DATETIME: Final = 0x0132
TAG_DATETIME_ORIGINAL: Final = 0x9003
TAG_OFFSET_TIME: Final = 0x9010
TAG_OFFSET_TIME_ORIGINAL: Final = 0x9011
TAG_SUBSEC_TIME: Final = 0x9290
TAG_SUBSEC_TIME_ORIGINAL: Final = 0x9291
GPS_LAT_REF, GPS_LAT, GPS_LNG_REF, GPS_LNG = 1, 2, 3, 4

_DATETIME_RE: Final = re.compile(
    r"^\s*(\d{4})[:\-/](\d{1,2})[:\-/](\d{1,2})[ T]+(\d{1,2}):(\d{1,2}):(\d{1,2})"
)
_OFFSET_RE: Final = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class PhotoMetadata:
    orientation: int = 1  # EXIF 1..8; 1 when absent/invalid or already applied by the decoder
    taken_at: datetime | None = None  # timezone-aware
    gps: tuple[float, float] | None = None  # (lat, lng), signed decimal degrees


def read_metadata(im: Image.Image, data: bytes, *, heif: bool) -> PhotoMetadata:
    """Read orientation/GPS/time from an opened (header-only) image.

    For HEIF, libheif already applies the ``irot``/``imir`` transforms and pillow_heif resets the
    EXIF orientation to 1, so orientation is always 1 there; if the plugin exposed no EXIF we ask
    pillow_heif directly.
    """
    exif = _load_exif(im)
    if heif and not len(exif):
        exif = _heif_exif(data)
    orientation = 1 if heif else _orientation(exif)
    return PhotoMetadata(orientation=orientation, taken_at=_taken_at(exif), gps=_gps(exif))


def _load_exif(im: Image.Image) -> Image.Exif:
    try:
        return im.getexif()
    except Exception:  # hostile EXIF must not break the upload
        return Image.Exif()


def _heif_exif(data: bytes) -> Image.Exif:
    exif = Image.Exif()
    try:
        import pillow_heif

        raw = pillow_heif.open_heif(BytesIO(data)).info.get("exif")
        if raw:
            exif.load(raw)
    except Exception:
        return Image.Exif()
    return exif


def _orientation(exif: Image.Exif) -> int:
    value = exif.get(TAG_ORIENTATION, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _ifd(exif: Image.Exif, ifd: int) -> dict[int, Any]:
    try:
        return dict(exif.get_ifd(ifd))
    except Exception:
        return {}


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    value = value.strip("\x00 \t")
    return value or None


# --------------------------------------------------------------------------- capture time


def _taken_at(exif: Image.Exif) -> datetime | None:
    sub = _ifd(exif, IFD.Exif)
    candidates = (
        (sub.get(TAG_DATETIME_ORIGINAL), sub.get(TAG_OFFSET_TIME_ORIGINAL),
         sub.get(TAG_SUBSEC_TIME_ORIGINAL)),
        (exif.get(TAG_DATETIME), sub.get(TAG_OFFSET_TIME), sub.get(TAG_SUBSEC_TIME)),
    )
    for raw, offset, subsec in candidates:
        parsed = parse_exif_datetime(_text(raw), _text(offset), _text(subsec))
        if parsed is not None:
            return parsed
    return None


def parse_exif_datetime(value: str | None, offset: str | None = None,
                        subsec: str | None = None) -> datetime | None:
    """Parse ``YYYY:MM:DD HH:MM:SS`` into an aware datetime.

    Uses the EXIF ``OffsetTime*`` (``+08:00``) when present, otherwise assumes Asia/Shanghai.
    """
    if not value:
        return None
    match = _DATETIME_RE.match(value)
    if match is None:
        return None
    tz: tzinfo = SHANGHAI
    if offset and (off := _OFFSET_RE.match(offset)):
        minutes = int(off.group(2)) * 60 + int(off.group(3))
        if minutes < 24 * 60:
            tz = timezone(timedelta(minutes=-minutes if off.group(1) == "-" else minutes))
    micro = 0
    if subsec and subsec.isdigit():
        micro = int(subsec[:6].ljust(6, "0"))
    year, month, day, hour, minute, second = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError:  # 0000:00:00 00:00:00 and friends
        return None


# --------------------------------------------------------------------------- GPS


def _gps(exif: Image.Exif) -> tuple[float, float] | None:
    gps = _ifd(exif, IFD.GPSInfo)
    lat = _coordinate(gps.get(GPS_LAT), _text(gps.get(GPS_LAT_REF)), "S", 90.0)
    lng = _coordinate(gps.get(GPS_LNG), _text(gps.get(GPS_LNG_REF)), "W", 180.0)
    if lat is None or lng is None or (lat == 0.0 and lng == 0.0):  # 0,0 = "no fix" on many phones
        return None
    return lat, lng


def _coordinate(value: Any, ref: str | None, negative_ref: str, bound: float) -> float | None:
    try:
        parts = [float(v) for v in (value if isinstance(value, tuple | list) else (value,))]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not 1 <= len(parts) <= 3 or not all(math.isfinite(p) and p >= 0 for p in parts):
        return None
    degrees = sum(p / 60**i for i, p in enumerate(parts))
    if ref and ref[:1].upper() == negative_ref:
        degrees = -degrees
    if abs(degrees) > bound:
        return None
    return round(degrees, 7)
