"""Opaque, signed pagination cursors: the one way every list makes and reads its ``next_cursor``.

A cursor carries a list tag and a few integers (the last row's key), URL-safe base64, followed
by an HMAC of them under a key derived from ``HOTLINE_SECRET_KEY``. Whatever this module did
not sign — an edited number, another list's cursor, garbage — is a 422 ``invalid_cursor``, so
a client cannot steer a query with values of its choosing (numbers past what the database or
``datetime`` holds included).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from functools import lru_cache

from hotline import settings as settings_mod
from hotline.errors import ValidationProblem

MAC_BYTES = 12
LIMIT = 2**63 - 1  # every number in a cursor fits a BIGINT


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return hmac.digest(secret.encode(), b"hotline:cursor", "sha256")


def _mac(payload: bytes) -> bytes:
    key = _key(settings_mod.current().secret_key)
    return hmac.digest(key, payload, "sha256")[:MAC_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def invalid(detail: str = "cursor 无效") -> ValidationProblem:
    return ValidationProblem(detail, code="invalid_cursor")


def sign(tag: str, *values: int) -> str:
    """The cursor of list ``tag`` pointing after the row whose key is ``values``."""
    payload = ":".join([tag, *(str(int(v)) for v in values)]).encode()
    return f"{_b64(payload)}.{_b64(_mac(payload))}"


def read(cursor: str, tag: str, arity: int) -> list[int]:
    """The ``arity`` numbers of a cursor this process (or a replica) signed for list ``tag``.

    Raises a 422 ``invalid_cursor`` for anything else.
    """
    body, dot, mac = cursor.partition(".")
    if not dot or not cursor.isascii():
        raise invalid()
    try:
        payload, given = _unb64(body), _unb64(mac)
    except (ValueError, binascii.Error):
        raise invalid() from None
    if not hmac.compare_digest(given, _mac(payload)):
        raise invalid()
    kind, *values = payload.decode().split(":")
    if kind != tag or len(values) != arity:
        raise invalid("cursor 与查询条件不符")
    numbers = [int(v) for v in values]  # signed by us: well-formed integers
    if any(abs(n) > LIMIT for n in numbers):
        raise invalid()
    return numbers
