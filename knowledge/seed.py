"""Loading knowledge items from ``knowledge/data/items.json`` (the demo data): through the same
service as the API, published at once, idempotent by ``key`` (an item whose key exists is left
as it is, editors' changes included).

The file is a JSON list of objects with ``key, kind, title, department, body, applicable,
materials, steps, time_limit_legal, time_limit_promised, fee, online, location, legal_basis``
(the last ones may be missing or null for ``faq`` and ``policy``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audit import log as audit
from knowledge import items
from models.knowledge import KbItem

ITEMS = Path(__file__).parent / "data" / "items.json"
QUESTIONS = Path(__file__).parent / "data" / "questions.json"
SYSTEM = audit.Actor(audit.SYSTEM)


def read_items(path: Path = ITEMS) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text(encoding="utf-8")))


def _fields(entry: dict[str, Any]) -> dict[str, Any]:
    data = {f: entry.get(f) for f in items.FIELDS}
    for name in ("body", "department", "applicable"):
        data[name] = data[name] or ""
    for name in items.LIST_FIELDS:
        data[name] = list(data[name] or [])
    return data


async def load(entries: list[dict[str, Any]]) -> list[str]:
    """Create the items whose key is new; returns their keys."""
    existing = set(await KbItem.filter(key__in=[e["key"] for e in entries])
                   .values_list("key", flat=True))
    created = []
    for entry in entries:
        if entry["key"] in existing:
            continue
        await items.create_item(SYSTEM, _fields(entry), key=entry["key"])
        created.append(entry["key"])
    return created


async def seed_knowledge(path: Path = ITEMS, *, required: bool = True) -> list[str]:
    """The demo items of ``path``. A missing file is an error unless ``required`` is false
    (the test harness, before the demo data exists)."""
    if not path.exists():  # noqa: ASYNC240 - one stat at start-up
        if required:
            raise FileNotFoundError(f"knowledge base demo data missing: {path}")
        return []
    return await load(read_items(path))
