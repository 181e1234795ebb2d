"""Links to knowledge items in messages (the official account's replies, an answer citing an
item): the item's page under the citizen site, ``HOTLINE_PUBLIC_BASE_URL`` (as the rating link
of a reply is)."""

from __future__ import annotations

from hotline import settings as settings_mod

TITLE_MAX = 40  # a title in a chat reply or a message, cut with "…" past this


def item_url(item_id: int) -> str:
    """The item's page for citizens: ``{HOTLINE_PUBLIC_BASE_URL}/kb/items/{id}``."""
    return f"{settings_mod.current().public_base_url.rstrip('/')}/kb/items/{item_id}"


def short_title(title: str, limit: int = TITLE_MAX) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1] + "…"
