"""Pages of the administration lists: by ascending id, with signed cursors."""

from __future__ import annotations

from typing import TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from hotline import cursors

M = TypeVar("M", bound=Model)
MAX_LIMIT = 100


async def by_id(
    query: QuerySet[M], limit: int, cursor: str | None, tag: str
) -> tuple[list[M], str | None]:
    """One page of ``query`` in id order (keyset) and the cursor of the next page (None at
    the end); a cursor of another list, edited or not signed here is a 422."""
    if cursor:
        (after,) = cursors.read(cursor, tag, 1)
        query = query.filter(id__gt=after)
    rows = await query.order_by("id").limit(limit + 1)
    page = rows[:limit]
    more = len(rows) > limit
    return page, cursors.sign(tag, page[-1].pk) if more else None
