"""Keyed hashing, field encryption and masking of personal data (phone, names, ID numbers)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache
from typing import overload

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hotline import settings as settings_mod


@lru_cache(maxsize=512)  # query codes use a purpose per case: keep room for the rest
def _derive(data_key: str, purpose: str) -> bytes:
    return hmac.digest(data_key.encode(), purpose.encode(), "sha256")


def _key(purpose: str) -> bytes:
    return _derive(settings_mod.current().data_key, purpose)


@lru_cache(maxsize=4)
def _aead(data_key: str) -> AESGCM:
    return AESGCM(_derive(data_key, "aead"))


def lookup_hash(value: str, purpose: str = "phone") -> str:
    """Deterministic keyed hash for equality lookups of an encrypted value."""
    return hmac.digest(_key(f"lookup:{purpose}"), value.encode(), "sha256").hex()


@overload
def encrypt(value: str) -> str: ...
@overload
def encrypt(value: None) -> None: ...
@overload
def encrypt(value: str | None) -> str | None: ...


def encrypt(value: str | None) -> str | None:
    if value is None:
        return None
    nonce = os.urandom(12)
    sealed = _aead(settings_mod.current().data_key).encrypt(nonce, value.encode(), None)
    return "v1." + base64.urlsafe_b64encode(nonce + sealed).decode()


@overload
def decrypt(token: str) -> str: ...
@overload
def decrypt(token: None) -> None: ...
@overload
def decrypt(token: str | None) -> str | None: ...


def decrypt(token: str | None) -> str | None:
    if token is None:
        return None
    if not token.startswith("v1."):
        raise ValueError("unknown ciphertext version")
    raw = base64.urlsafe_b64decode(token[3:])
    return _aead(settings_mod.current().data_key).decrypt(raw[:12], raw[12:], None).decode()


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "****" + phone[-4:]


def mask_name(name: str | None) -> str | None:
    """王*明: the first and last character kept; a two-character name keeps its first (王*),
    a one-character name nothing."""
    if not name:
        return None
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(id_number: str | None) -> str | None:
    """110105********002X: the six region digits and the last four kept."""
    if not id_number:
        return None
    if len(id_number) < 11:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def token_digest(token: str) -> str:
    """Unkeyed digest for high-entropy secrets (device keys, refresh token ids)."""
    return hashlib.sha256(token.encode()).hexdigest()
