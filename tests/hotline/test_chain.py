"""The canonical JSON of a hash-chain link: the same bytes whichever encoder writes them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

import pytest

from hotline.canonical import canonical_json
from hotline.chain import link_hash


class Colour(Enum):
    RED = "red"


def reference(value: object) -> bytes:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return text.encode()


VALUES = {
    "event": {
        "case": "20261127-000123", "seq": 1, "at": "2026-11-27T12:00:00.123456+00:00",
        "action": "submit", "actor_role": "citizen", "actor_id": None,
        "note": "诉求已受理（手机App）", "public": True, "data": {},
    },
    "nested": {"z": [1, -2, True, None, "é"], "a": {"y": {"x": []}, "b": ("t", 0)}},
    "escapes": {"s": "".join(chr(c) for c in range(0x80)) + "\u2028\u2029\ufeff😀"},
    "big ints": {"max": 2**63 - 1, "min": -(2**63), "u64": 2**64 - 1, "beyond": 2**70},
    "floats": {"f": [0.1, 1e16, 1e-7, 2.5, float("inf")]},
    "objects": {"when": datetime(2026, 11, 27, 8, tzinfo=UTC), "day": date(2026, 11, 27),
                "amount": Decimal("50.00"), "colour": Colour.RED},
    "non-str keys": {1: "one", 2: {None: 2}},
}  # fmt: skip


@pytest.mark.parametrize("name", list(VALUES))
def test_canonical_json_is_byte_for_byte_jsons(name):
    assert canonical_json(VALUES[name]) == reference(VALUES[name])


def test_every_character_is_escaped_as_json_escapes_it():
    for start in range(0, 0x110000, 0x1000):
        text = "".join(chr(c) for c in range(start, start + 0x1000) if not 0xD800 <= c <= 0xDFFF)
        assert canonical_json({"s": text}) == reference({"s": text})


def test_a_lone_surrogate_is_refused_as_before():
    with pytest.raises(UnicodeEncodeError):
        canonical_json({"s": "\ud800"})


def test_link_hash_of_a_known_link():
    # pinned: a changed canonical form would break every chain already stored
    digest = link_hash("0" * 64, {"case": "20260101-000001", "seq": 1}, {"note": "受理"})
    assert digest == "720048bce9832fad8234003b7b5627512301b1a5b2e0cb94246f5b6cc893c1b7"
