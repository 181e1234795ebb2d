"""Hash chains for append-only records (case timelines, reward audits): each link hashes the
previous link's hash with a canonical JSON of its own fields, so altering, removing or
reordering any link breaks every hash after it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def link_hash(prev_hash: str, head: dict[str, Any], fields: dict[str, Any]) -> str:
    body = json.dumps(
        head | fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()
