"""A phone proven by an SMS code, for a little while, on one device: a signed proof.

The kiosk proves the citizen's phone (``citizens.verify_login_code`` spends the code) before
the last screen; the filing carries the proof, so a double tap or a retry of the same filing
needs no second code. Stateless: HMAC of the phone, the scope (the kiosk) and the expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from hotline import settings as settings_mod
from hotline.errors import Unauthorized

PROOF_TTL_S = 15 * 60


def _sign(phone: str, scope: str, expires: int) -> str:
    key = settings_mod.current().secret_key.encode()
    mac = hmac.new(key, f"phone-proof:{scope}:{phone}:{expires}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:18]).decode()


def issue(phone: str, scope: str, *, now: float | None = None) -> str:
    expires = int((now or time.time()) + PROOF_TTL_S)
    return f"{phone}.{expires}.{_sign(phone, scope, expires)}"


def check(proof: str, scope: str, *, now: float | None = None) -> str:
    """The phone a valid proof names; else 401 ``phone_not_proven``."""
    parts = proof.split(".") if 0 < len(proof) <= 100 else []
    if len(parts) == 3 and parts[1].isascii() and parts[1].isdigit():
        phone, expires, sig = parts[0], int(parts[1]), parts[2]
        fresh = expires >= (now or time.time())
        if fresh and hmac.compare_digest(_sign(phone, scope, expires), sig):
            return phone
    raise Unauthorized("手机号验证已失效，请重新获取验证码", code="phone_not_proven")
