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


def test_one_chain_for_timelines_and_audits_with_the_stored_formula():
    import hashlib
    from types import SimpleNamespace

    from casework.timeline import new_event, verify_chain
    from hotline import chain

    case = SimpleNamespace(tracking_no="20260101-000001", event_count=0, last_event_hash="")
    at = datetime(2026, 1, 1, 9, tzinfo=UTC)
    first = new_event(case, action="submit", actor_role="citizen", actor_id="7", at=at, note="受理")
    fields = {"at": at.isoformat(), "action": "submit", "actor_role": "citizen",
              "actor_id": "7", "note": "受理", "public": True, "data": {}}  # fmt: skip
    expected = hashlib.sha256(
        b"0" * 64 + reference({"case": "20260101-000001", "seq": 1} | fields)
    ).hexdigest()
    assert first.fields["hash"] == expected == case.last_event_hash
    second = new_event(case, action="sign", actor_role="handler", actor_id="3", at=at)
    assert second.fields["prev_hash"] == expected and case.event_count == 2
    events = [SimpleNamespace(**d.fields) for d in (first, second)]
    assert verify_chain("20260101-000001", events)
    assert not verify_chain("20260101-000002", events)  # the key is hashed too
    assert not verify_chain("20260101-000001", events[1:])  # removed
    links = [chain.Link(e.seq, e.prev_hash, e.hash, {"x": e.seq}) for e in events]
    assert chain.intact_head({"case": "x"}, links) is None  # altered fields
    assert chain.intact_head({"case": "x"}, []) == chain.GENESIS
