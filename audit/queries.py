"""Reading the audit log: the filtered list, the CSV export and the chain check.

An administrator reads the entries whose ``scope_path`` lies in its unit's subtree; an
administrator of the root unit reads every entry, those about no unit (``NO_UNIT``) included.
Entries are only ever appended under the head row's lock, so the committed entries are always
``1 … head.count`` without gaps: a reader that bounds itself by the head it read first sees a
fixed snapshot however long it takes, and reads in chunks by ``seq`` (keyset), never all at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from audit.log import CHAIN_KEY, link_fields
from hotline import chain, csvcell, cursors
from hotline.errors import ValidationProblem
from hotline.timefmt import day_start, iso
from identity.principal import Principal
from models.audit import AuditEntry, AuditHead
from organisation.scope import is_root_admin, require_admin, require_root_admin

MAX_LIMIT = 200
CHUNK = 1000  # entries per database read of the export and the chain check
CURSOR_TAG = "audit"
CSV_COLUMNS = ("seq", "at", "actor", "action", "target", "before", "after", "prev_hash", "hash")
LIST_FIELDS = ("seq", "at", "actor", "action", "target", "before", "after", "hash")
CHAIN_FIELDS = (
    "seq", "at", "actor", "actor_id", "action", "target", "scope_path", "before", "after",
    "prev_hash", "hash",
)


@dataclass(frozen=True)
class AuditFilter:
    """``actor``, ``target``: exact; ``action``: exact, or a prefix when it ends in ``.``
    (``case.`` is every case action); ``start``/``end``: Asia/Shanghai days, both inclusive."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    start: date | None = None
    end: date | None = None


def scoped(who: Principal, f: AuditFilter) -> QuerySet[AuditEntry]:
    """The entries ``who`` (an administrator) may read that match ``f``."""
    require_admin(who)
    if f.start and f.end and f.end < f.start:
        raise ValidationProblem("结束日期不能早于开始日期", code="invalid_date_range")
    query = AuditEntry.all()
    if not is_root_admin(who):
        query = query.filter(scope_path__startswith=who.unit_path or "//")
    if f.actor:
        query = query.filter(actor=f.actor)
    if f.action:
        action_q = (
            Q(action__startswith=f.action) if f.action.endswith(".") else Q(action=f.action)
        )
        query = query.filter(action_q)
    if f.target:
        query = query.filter(target=f.target)
    if f.start:
        query = query.filter(at__gte=day_start(f.start))
    if f.end:
        query = query.filter(at__lt=day_start(f.end) + timedelta(days=1))
    return query


def _item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": row["seq"],
        "at": iso(row["at"]),
        "actor": row["actor"],
        "action": row["action"],
        "target": row["target"],
        "before": row["before"],
        "after": row["after"],
        "hash": row["hash"],
    }


async def page(
    who: Principal, f: AuditFilter, *, limit: int = 50, cursor: str | None = None
) -> dict[str, Any]:
    """One page, newest first: ``{items, next_cursor}``."""
    query = scoped(who, f)
    if cursor:
        (before,) = cursors.read(cursor, CURSOR_TAG, 1)
        query = query.filter(seq__lt=before)
    rows = await query.order_by("-seq").limit(limit + 1).values(*LIST_FIELDS)
    items = rows[:limit]
    more = len(rows) > limit
    return {
        "items": [_item(r) for r in items],
        "next_cursor": cursors.sign(CURSOR_TAG, items[-1]["seq"]) if more else None,
    }


async def _head_count() -> int:
    head = await AuditHead.get_or_none(id=1)
    return head.count if head else 0


async def csv_chunks(who: Principal, f: AuditFilter) -> AsyncIterator[str]:
    """The export in chain order (oldest first), a header then ``CHUNK`` rows at a time.

    Checks the caller before the first chunk, so a refusal is an ordinary error reply."""
    query = scoped(who, f)
    last = await _head_count()

    async def chunks() -> AsyncIterator[str]:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        after = 0
        while True:
            rows = await (
                query.filter(seq__gt=after, seq__lte=last)
                .order_by("seq")
                .limit(CHUNK)
                .values(*CSV_COLUMNS)
            )
            for r in rows:
                writer.writerow([csvcell.cell(iso(r["at"]) if c == "at" else r[c])
                                 for c in CSV_COLUMNS])
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
            if len(rows) < CHUNK:
                return
            after = rows[-1]["seq"]

    return chunks()


async def verify(who: Principal) -> dict[str, Any]:
    """Recompute the whole chain (root administrators only): ``{intact, count, head,
    first_broken_seq}``; the first broken link is the first one altered, missing or out of
    place, or ``count + 1`` when links after the last one the head counts were removed."""
    require_root_admin(who)
    head = await AuditHead.get_or_none(id=1)
    count, head_hash = (head.count, head.last_hash) if head else (0, None)
    prev, expected, broken = chain.GENESIS, 1, None
    while broken is None and expected <= count:
        rows = await (
            AuditEntry.filter(seq__gte=expected, seq__lte=count)
            .order_by("seq")
            .limit(CHUNK)
            .values(*CHAIN_FIELDS)
        )
        if not rows:
            broken = expected
        for r in rows:
            if not _link_holds(r, expected, prev):
                broken = expected
                break
            prev, expected = r["hash"], expected + 1
    if broken is None and prev != (head_hash or chain.GENESIS):
        broken = count + 1
    return {
        "intact": broken is None,
        "count": count,
        "head": head_hash,
        "first_broken_seq": broken,
    }


def _link_holds(r: dict[str, Any], seq: int, prev: str) -> bool:
    if r["seq"] != seq or r["prev_hash"] != prev:
        return False
    fields = link_fields(
        r["at"], r["actor"], r["actor_id"], r["action"], r["target"], r["scope_path"],
        r["before"], r["after"],
    )
    return chain.link_hash(prev, CHAIN_KEY | {"seq": seq}, fields) == r["hash"]
