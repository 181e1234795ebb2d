"""GeoReport v2 service requests: the published cases, read only through
``publishing.queries`` (its redaction and its publication rule are the only ones).

``GET requests`` filters: ``service_request_id`` (comma-separated public ids; overrides every
other filter), ``service_code`` (comma-separated), ``start_date``/``end_date`` (W3C
date-times; a time without a zone is Beijing time) on the requested (submitted) time,
``status`` (``open``, ``closed`` or both, comma-separated). Without dates the span is the last
90 days; a start alone spans 90 days from it, an end alone the 90 days before it. At most
1,000 rows, newest first; ``page``/``page_size`` (the common extension; page_size at most
1,000, default 1,000). ``jurisdiction_id`` is accepted and not used (one jurisdiction).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from hotline.errors import NotFound, Problem
from hotline.timefmt import SHANGHAI
from models.partner import PartnerSubmission
from open311 import cache, services
from open311 import rows as request_rows
from publishing import queries
from publishing.queries import PublishedStamp

SPAN: Final = timedelta(days=90)
MAX_ROWS: Final = 1000
MAX_PAGE: Final = 10_000
MAX_CODES: Final = 100
# several service codes are merged here from one query each (publishing.queries takes one
# category): rows up to this depth
MAX_MERGED: Final = 10_000
STATUSES: Final = ("open", "closed")
ID: Final = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
TOKEN: Final = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def bad(detail: str, code: str = "bad_request") -> Problem:
    return Problem(detail, code=code, status=400)


@dataclass(frozen=True)
class Filter:
    ids: tuple[str, ...] | None = None
    codes: tuple[str, ...] | None = None
    status: str | None = None  # None: both
    start: datetime | None = None
    end: datetime | None = None
    page: int = 1
    page_size: int = MAX_ROWS


def _list(value: str, name: str, limit: int = MAX_ROWS) -> tuple[str, ...]:
    given = [v.strip() for v in value.split(",") if v.strip()]
    items = tuple(dict.fromkeys(given))
    if not items or len(given) > limit or not all(ID.fullmatch(i) for i in items):
        raise bad(f"{name} 须为以逗号分隔的代码（最多 {limit} 个）", f"invalid_{name}")
    return items


def _date(value: str, name: str) -> datetime:
    try:
        at = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise bad(f"{name} 须为 W3C 日期时间，如 2026-11-27T08:00:00+08:00",
                  f"invalid_{name}") from None
    if not 2000 <= at.year <= 2100:
        raise bad(f"{name} 须在 2000 年至 2100 年之间", f"invalid_{name}")
    return (at if at.tzinfo else at.replace(tzinfo=SHANGHAI)).astimezone(UTC)


def _int(value: str, name: str, low: int, high: int) -> int:
    value = value.strip()
    if not (value.isascii() and value.isdecimal()) or not low <= int(value) <= high:
        raise bad(f"{name} 须为 {low} 到 {high} 之间的整数", f"invalid_{name}")
    return int(value)


def parse(params: Mapping[str, str], now: datetime | None = None) -> Filter:
    """The filter a query string asks for (a 400 naming the parameter that is wrong)."""
    page = _int(params["page"], "page", 1, MAX_PAGE) if "page" in params else 1
    size = (_int(params["page_size"], "page_size", 1, MAX_ROWS) if "page_size" in params
            else MAX_ROWS)
    if params.get("service_request_id", "").strip():
        return Filter(ids=_list(params["service_request_id"], "service_request_id"),
                      page=page, page_size=size)
    codes = (_list(params["service_code"], "service_code", MAX_CODES)
             if params.get("service_code") else None)
    if codes is not None and len(codes) > 1 and page * size > MAX_MERGED:
        raise bad(f"多个 service_code 时最多翻到第 {MAX_MERGED} 条，请缩小日期范围",
                  "invalid_page")
    status = None
    if params.get("status"):
        wanted = {s.strip() for s in params["status"].split(",") if s.strip()}
        if not wanted or not wanted <= set(STATUSES):
            raise bad("status 须为 open、closed 或二者（逗号分隔）", "invalid_status")
        status = wanted.pop() if len(wanted) == 1 else None
    start = _date(params["start_date"], "start_date") if params.get("start_date") else None
    end = _date(params["end_date"], "end_date") if params.get("end_date") else None
    if start is None and end is None:
        end = now or datetime.now(UTC)
    if start is None:
        assert end is not None
        start = end - SPAN
    if end is None:
        end = start + SPAN
    if start > end:
        raise bad("start_date 不能晚于 end_date", "invalid_date_range")
    return Filter(codes=codes, status=status, start=start, end=end, page=page, page_size=size)


async def _page(f: Filter, code: str | None, page: int, size: int) -> list[PublishedStamp]:
    # end is inclusive in GeoReport ("latest datetime to include"), exclusive in the query
    end = f.end + timedelta(microseconds=1) if f.end else None
    return await queries.published_stamps(category_code=code, status=f.status, start=f.start,
                                          end=end, page=page, page_size=size)


async def _merged(f: Filter, codes: tuple[str, ...]) -> list[PublishedStamp]:
    """Several service codes: each code's newest rows, merged newest first, then the page."""
    wanted = f.page * f.page_size
    rows: list[PublishedStamp] = []
    for code in codes:
        got: list[PublishedStamp] = []
        page = 1
        while len(got) < wanted:
            chunk = await _page(f, code, page, MAX_ROWS)
            got += chunk
            if len(chunk) < MAX_ROWS:
                break
            page += 1
        rows += got[:wanted]
    rows.sort(key=lambda c: (c.submitted_at, c.row_key), reverse=True)
    return rows[wanted - f.page_size:wanted]


async def stamps(f: Filter) -> list[PublishedStamp]:
    """The published cases ``f`` asks for, newest first (:mod:`open311.rows` renders them)."""
    if f.codes is not None:
        known = [c for c in f.codes if await _is_service(c)]
        if not known:
            return []
        f = replace(f, codes=tuple(known))
    if f.ids is not None:
        return await queries.published_stamps(service_request_ids=f.ids, page=f.page,
                                              page_size=f.page_size)
    if f.codes is not None and len(f.codes) > 1:
        return await _merged(f, f.codes)
    return await _page(f, f.codes[0] if f.codes else None, f.page, f.page_size)


async def rendered(fmt: str, query: str, params: Mapping[str, str]) -> bytes:
    """The reply to ``GET requests.{fmt}?{query}``, rendered (kept briefly: open311.cache)."""
    if not cache.replies.enabled():
        return await request_rows.render(fmt, await stamps(parse(params)))
    key = (fmt, query)
    stamp = cache.replies.stamp()
    body = cache.replies.get(key, stamp)
    if body is None:
        body = await request_rows.render(fmt, await stamps(parse(params)))
        cache.replies.put(key, stamp, body)
    return body


async def _is_service(code: str) -> bool:
    try:
        await services.service(code)
    except NotFound:
        return False
    return True


async def one(public_id: str) -> list[dict[str, Any]]:
    """A single request, as the spec has it: an array of one (404 when not published)."""
    found = (await queries.published_stamps(service_request_ids=[public_id])
             if ID.fullmatch(public_id) else [])
    briefs = await queries.published_briefs_of([found[0].row_key]) if found else {}
    if not briefs:
        raise NotFound("该服务请求不存在或未公开", code="request_not_found")
    s = found[0]
    return [request_rows.as_request(briefs[s.row_key], s.status,
                                    request_rows.w3c_stored(s.updated_at))]


async def token(value: str) -> list[dict[str, Any]]:
    """The request a token stands for: its public id once published, else empty."""
    found = await PartnerSubmission.get_or_none(token=value) if TOKEN.fullmatch(value) else None
    if found is None:
        raise NotFound("token 不存在", code="token_not_found")
    public_id = await queries.public_id_of_case(found.case_id)
    return [{"service_request_id": public_id, "token": value}]
