"""Keyed hashing, field encryption and masking of personal data (phone, names, ID numbers)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hotline import settings as settings_mod


@lru_cache(maxsize=8)
def _derive(data_key: str, purpose: str) -> bytes:
    return hmac.new(data_key.encode(), purpose.encode(), hashlib.sha256).digest()


def _key(purpose: str) -> bytes:
    return _derive(settings_mod.current().data_key, purpose)


def lookup_hash(value: str, purpose: str = "phone") -> str:
    """Deterministic keyed hash for equality lookups of an encrypted value."""
    return hmac.new(_key(f"lookup:{purpose}"), value.encode(), hashlib.sha256).hexdigest()


def encrypt(value: str | None) -> str | None:
    if value is None:
        return None
    nonce = os.urandom(12)
    sealed = AESGCM(_key("aead")).encrypt(nonce, value.encode(), None)
    return "v1." + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str | None) -> str | None:
    if token is None:
        return None
    if not token.startswith("v1."):
        raise ValueError("unknown ciphertext version")
    raw = base64.urlsafe_b64decode(token[3:])
    return AESGCM(_key("aead")).decrypt(raw[:12], raw[12:], None).decode()


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "****" + phone[-4:]


def mask_name(name: str | None) -> str | None:
    if not name:
        return None
    return name[0] + "*" * max(1, len(name) - 1)


def token_digest(token: str) -> str:
    """Unkeyed digest for high-entropy secrets (device keys, refresh token ids)."""
    return hashlib.sha256(token.encode()).hexdigest()
