"""Hash chains for append-only records (case timelines, reward audits): each link hashes the
previous link's hash with a canonical JSON of its key, its sequence number and its own fields,
so altering, removing or reordering any link breaks every hash after it.

This module is the one implementation: ``casework.timeline`` and ``rewards.audit`` only say
which fields a link of theirs carries and under which key (``{"case": no}``, ``{"claim": id}``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hotline.canonical import canonical_json

GENESIS = "0" * 64


def link_hash(prev_hash: str, head: dict[str, Any], fields: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical_json(head | fields)).hexdigest()


@dataclass(frozen=True)
class Link:
    """One link as stored: its position, the hash it follows, its own hash and fields."""

    seq: int
    prev_hash: str
    hash: str
    fields: dict[str, Any]


def append(
    key: dict[str, Any], last_hash: str | None, count: int, fields: dict[str, Any]
) -> Link:
    """The next link after a chain of ``count`` links ending in ``last_hash``."""
    seq = count + 1
    prev = last_hash or GENESIS
    return Link(seq, prev, link_hash(prev, key | {"seq": seq}, fields), fields)


def intact_head(key: dict[str, Any], links: Iterable[Link]) -> str | None:
    """Recompute every link in sequence order: the hash of the last one, or None when any link
    was altered, removed or reordered (an empty chain's head is :data:`GENESIS`)."""
    prev = GENESIS
    for expected, link in enumerate(sorted(links, key=lambda x: x.seq), start=1):
        if link.seq != expected or link.prev_hash != prev:
            return None
        if link_hash(prev, key | {"seq": link.seq}, link.fields) != link.hash:
            return None
        prev = link.hash
    return prev
