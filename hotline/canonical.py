"""Canonical JSON: one byte string per value, for hashing and for deterministic storage."""

from __future__ import annotations

import json
from typing import Any

import orjson


def _plain(value: Any) -> bool:
    """Only str, int, bool and None, in dicts with str keys and lists: nothing orjson would
    write differently from :mod:`json` (floats, dates, enums and other objects are not)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind is list or kind is tuple:
        return all(_plain(v) for v in value)
    return False


def canonical_json(value: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8 as it is: the bytes of
    ``json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)``.

    Plain values (the usual link) take orjson, byte for byte the same and ten times faster;
    anything else, or an int beyond 64 bits, takes :mod:`json` itself.
    """
    if _plain(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return text.encode()
