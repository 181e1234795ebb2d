"""Rendered request rows: a published case's texts rendered once per version, its state at
each read.

What a list of requests shows of a published case is fixed from its publishing (the reviewed
texts, street-level place, rounded coordinates, category, unit, photos) until it is published
again, which gives the row a new version (``publication.published_at``), or unpublished, which
deletes the row: a list is read narrowly (:func:`publishing.queries.published_stamps`: row
key, version, state, last update), each row's rendered JSON or XML is taken from
:data:`_KEPT` when its version (and category name and public address) is the one kept, and
only the others' texts are read (:func:`publishing.queries.published_briefs_of`) and
rendered. The case's state (``status``) and ``updated_datetime`` are written in at each read,
so they are never older than the read. This is not a reply cache: every request reads its rows.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Final

from hotline import settings as settings_mod
from hotline.timefmt import iso_stored
from open311 import formats
from open311.formats import w3c_text
from publishing import queries
from publishing.queries import PublishedBrief, PublishedStamp

ENTRIES: Final = 50_000  # rendered rows kept (about 0.6 KB each), least recently used go first
# stand-ins for the per-read values while a row is rendered once: private-use characters that
# neither format escapes or drops (a text that holds one is rendered at each read instead)
_STATUS: Final = "\ue000status\ue000"
_UPDATED: Final = "\ue000updated\ue000"
# (format, row key) → (version, category name, public address, the row around the stand-ins,
# the case's last update as stored and as shown)
_Kept = tuple[str, str, str, tuple[bytes, bytes, bytes], object, str]
_KEPT: OrderedDict[tuple[str, int], _Kept] = OrderedDict()


def w3c_stored(value: object) -> str:
    """A stored timestamp as a W3C date-time in Beijing time, to the second."""
    return w3c_text(iso_stored(value) or "")  # type: ignore[arg-type]


def as_request(c: PublishedBrief, status: str, updated: str) -> dict[str, Any]:
    """One published case as a GeoReport service request (texts as published: redacted)."""
    return {
        "service_request_id": c.public_id,
        "status": status,
        "status_notes": c.result or None,
        "service_name": c.category_name,
        "service_code": c.category_code,
        "description": c.summary,
        "agency_responsible": c.unit_name or None,
        "service_notice": None,
        "requested_datetime": w3c_text(c.submitted_at),
        "updated_datetime": updated,
        "expected_datetime": None,
        "address": c.place or None,
        "address_id": None,
        "zipcode": None,
        "lat": c.lat,
        "long": c.lon,
        "media_url": c.photo_urls[0] if c.photo_urls else None,
    }


def _render_one(fmt: str, value: dict[str, Any]) -> bytes:
    if fmt == "json":
        return formats.render("json", "", value)
    return formats.element("request", value)


def _parts(fmt: str, brief: PublishedBrief) -> tuple[bytes, bytes, bytes] | None:
    body = _render_one(fmt, as_request(brief, _STATUS, _UPDATED))
    status, updated = _STATUS.encode(), _UPDATED.encode()
    if body.count(status) != 1 or body.count(updated) != 1:
        return None
    head, rest = body.split(status)
    middle, tail = rest.split(updated)
    return head, middle, tail


async def render(fmt: str, stamps: list[PublishedStamp]) -> bytes:
    """The rows of ``stamps`` as a GeoReport ``service_requests`` reply in ``fmt``."""
    names = await queries.category_names()
    base = settings_mod.current().public_base_url
    parts: list[_Kept | None] = []
    missing: list[int] = []
    for s in stamps:
        kept = _KEPT.get((fmt, s.row_key))
        name = names.get(s.category_code, s.category_code)
        if kept is not None and kept[0] == s.version and kept[1] == name and kept[2] == base:
            _KEPT.move_to_end((fmt, s.row_key))
            parts.append(kept)
        else:
            parts.append(None)
            missing.append(s.row_key)
    briefs = await queries.published_briefs_of(missing) if missing else {}
    rows: list[bytes] = []
    for s, entry in zip(stamps, parts, strict=True):
        if entry is not None and entry[4] == s.updated_at:
            updated = entry[5]
        else:
            updated = w3c_stored(s.updated_at)
            if entry is not None:
                entry = _KEPT[(fmt, s.row_key)] = (*entry[:4], s.updated_at, updated)
        got = entry[3] if entry is not None else None
        if got is None:
            brief = briefs.get(s.row_key)
            if brief is None:  # unpublished since the list was read
                continue
            got = _parts(fmt, brief)
            if got is None:
                rows.append(_render_one(fmt, as_request(brief, s.status, updated)))
                continue
            _KEPT[(fmt, s.row_key)] = (s.version, brief.category_name, base, got, s.updated_at,
                                       updated)
        # both values are plain ASCII (open/closed, a W3C date): the same in a JSON string and
        # in XML text, written between the quotes or tags the stand-ins were rendered in
        rows.append(got[0] + s.status.encode() + got[1] + updated.encode() + got[2])
    while len(_KEPT) > ENTRIES:
        _KEPT.popitem(last=False)
    if fmt == "json":
        return b"[" + b",".join(rows) + b"]"
    return formats.XML_DECLARATION + b"<service_requests>" + b"".join(rows) + b"</service_requests>"


def clear() -> None:
    _KEPT.clear()
