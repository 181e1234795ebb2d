"""Hash chains for append-only records (case timelines, reward audits): each link hashes the
previous link's hash with a canonical JSON of its own fields, so altering, removing or
reordering any link breaks every hash after it."""

from __future__ import annotations

import hashlib
from typing import Any

from hotline.canonical import canonical_json

GENESIS = "0" * 64


def link_hash(prev_hash: str, head: dict[str, Any], fields: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical_json(head | fields)).hexdigest()
