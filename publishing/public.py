"""The public read side as JSON and Atom, over :mod:`publishing.queries` only.

JSON pages use the contract's cursor pagination (``limit``/``cursor``, newest submitted
first). Atom feeds (RFC 4287) list the newest 50 published cases of a category or a region.
Nothing here is cached: an unpublished case is gone from the next reply.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from hotline import cursors
from hotline import settings as settings_mod
from hotline.errors import NotFound, ValidationProblem
from hotline.timefmt import day_start, iso
from publishing import queries
from publishing.queries import PublishedCase

CURSOR_TAG = "pub"
FEED_SIZE = 50
ATOM = "http://www.w3.org/2005/Atom"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def item(p: PublishedCase) -> dict[str, Any]:
    return {
        "public_id": p.public_id,
        "kind": p.kind,
        "category_code": p.category_code,
        "category_name": p.category_name,
        "region_code": p.region_code,
        "place": p.place,
        "lat": p.lat,
        "lng": p.lon,
        "status": p.status,
        "submitted_at": iso(p.submitted_at),
        "closed_at": iso(p.closed_at),
        "unit": {"name": p.unit_name},
        "summary": p.summary,
        "result": p.result,
        "rating": p.rating,
        "photos": list(p.photo_urls),
    }


def _period(from_: date | None, to: date | None) -> tuple[datetime | None, datetime | None]:
    if from_ and to and from_ > to:
        raise ValidationProblem("起始日期不能晚于截止日期", code="invalid_period")
    return (day_start(from_) if from_ else None,
            day_start(to + timedelta(days=1)) if to else None)


async def page(
    *, category_code: str | None, region_code: str | None, status: str | None,
    from_: date | None, to: date | None, limit: int, cursor: str | None,
) -> dict[str, Any]:
    start, end = _period(from_, to)
    before = None
    if cursor:
        micros, row_key = cursors.read(cursor, CURSOR_TAG, 2)
        before = (EPOCH + timedelta(microseconds=micros), row_key)
    rows = await queries.published_page(
        category_code=category_code, region_code=region_code, status=status, start=start,
        end=end, page_size=limit + 1, before=before,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        next_cursor = cursors.sign(CURSOR_TAG, _micros(rows[-1].submitted_at), rows[-1].row_key)
    return {"items": [item(p) for p in rows], "next_cursor": next_cursor}


def _micros(at: datetime) -> int:
    return (at - EPOCH) // timedelta(microseconds=1)


async def one(public_id: str) -> dict[str, Any]:
    p = await queries.published_one(public_id)
    if p is None:
        raise NotFound("未找到该公开诉求")
    return item(p) | {
        "timeline": [{"at": iso(s.at), "action": s.action, "label": s.label}
                     for s in p.timeline],
    }


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    el.text = text
    return el


def atom(title: str, self_path: str, rows: list[PublishedCase]) -> bytes:
    """An Atom feed of published cases (texts as the reviewer approved them)."""
    base = settings_mod.current().public_base_url
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", f"{base}{self_path}")
    _text(feed, "title", title)
    updated = max((p.updated_at for p in rows), default=None)
    _text(feed, "updated", iso(updated) or "1970-01-01T08:00:00+08:00")
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": f"{base}{self_path}"})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "12345 政务服务便民热线")
    for p in rows:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        url = f"{base}/api/v1/public/cases/{p.public_id}"
        _text(entry, "id", url)
        _text(entry, "title", f"{p.category_name}｜{p.place or p.unit_name}")
        _text(entry, "published", iso(p.submitted_at) or "")
        _text(entry, "updated", iso(p.updated_at) or "")
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": url})
        ET.SubElement(entry, f"{{{ATOM}}}category", {"term": p.category_code,
                                                      "label": p.category_name})
        _text(entry, "summary", p.summary)
        status = "已办结" if p.status == "closed" else "办理中"
        _text(entry, "content", f"诉求：{p.summary}\n办理单位：{p.unit_name}\n"
                                f"状态：{status}\n办理结果：{p.result}", type="text")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


async def category_feed(code: str) -> bytes:
    rows = await queries.published_page(category_code=code, page_size=FEED_SIZE)
    names = await queries.category_names()
    if code not in names:
        raise NotFound("未找到该类别")
    return atom(f"12345 办理结果公开：{names[code]}", f"/api/v1/public/feeds/category/{code}.atom",
                rows)


async def region_feed(code: str) -> bytes:
    name = await queries.region_name(code)
    if name is None:
        raise NotFound("未找到该地区")
    rows = await queries.published_page(region_code=code, page_size=FEED_SIZE)
    return atom(f"12345 办理结果公开：{name}", f"/api/v1/public/feeds/region/{code}.atom", rows)
