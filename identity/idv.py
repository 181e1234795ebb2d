"""Online identity verification (二要素/三要素核验) through a provider, selected by settings.

Off by default (``HOTLINE_IDV_PROVIDER`` empty): nothing here is needed to run the product.
``http`` speaks a signed JSON-over-HTTPS protocol of the kind cloud real-name services offer:

``POST {HOTLINE_IDV_ENDPOINT}/v1/identity/verify`` with the JSON body
``{"name", "id_number", "mobile"?}`` (three factors with a mobile, two without) and headers

* ``X-App-Id``: ``HOTLINE_IDV_APP_ID``;
* ``X-Timestamp``: Unix seconds (the provider refuses a skew of more than 5 minutes);
* ``X-Nonce``: 32 random hex characters, never reused;
* ``X-Signature``: hex HMAC-SHA256 under ``HOTLINE_IDV_APP_SECRET`` of
  ``app_id \\n timestamp \\n nonce \\n sha256_hex(body)``.

The provider answers ``200 {"request_id", "result": "match" | "no_match" | "no_record"}``
(no_record: no such number in the population registry), signed the same way over its own
timestamp, nonce and body (``X-Timestamp``, ``X-Nonce``, ``X-Signature``), or a 4xx/5xx
``{"request_id", "error": {"code", "message"}}``. Its ``request_id`` is kept as the
verification's ``provider_ref``. A reply without a valid signature is not believed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Literal, Protocol

import httpx

from hotline import settings as settings_mod

Result = Literal["match", "no_match", "no_record"]
PATH = "/v1/identity/verify"
MAX_SKEW_S = 300


@dataclass(frozen=True)
class Answer:
    result: Result
    provider_ref: str


class ProviderError(Exception):
    """The provider could not answer (timeout, error status, an unsigned or garbled reply)."""


class IdentityProvider(Protocol):
    async def check(self, name: str, id_number: str, mobile: str | None) -> Answer: ...


def string_to_sign(app_id: str, timestamp: str, nonce: str, body: bytes) -> str:
    return "\n".join((app_id, timestamp, nonce, hashlib.sha256(body).hexdigest()))


def signature(secret: str, app_id: str, timestamp: str, nonce: str, body: bytes) -> str:
    text = string_to_sign(app_id, timestamp, nonce, body).encode()
    return hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()


class HttpProvider:
    def __init__(
        self,
        endpoint: str,
        app_id: str,
        secret: str,
        *,
        timeout_s: float = 5.0,
        ca_bundle: str = "",
    ) -> None:
        self.url = endpoint.rstrip("/") + PATH
        self.app_id, self.secret = app_id, secret
        self.timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 3.0))
        self.verify: str | bool = ca_bundle or True

    def _headers(self, body: bytes) -> dict[str, str]:
        ts, nonce = str(int(time.time())), secrets.token_hex(16)
        return {
            "Content-Type": "application/json; charset=utf-8",
            "X-App-Id": self.app_id,
            "X-Timestamp": ts,
            "X-Nonce": nonce,
            "X-Signature": signature(self.secret, self.app_id, ts, nonce, body),
        }

    def _believed(self, reply: httpx.Response) -> bool:
        ts = reply.headers.get("x-timestamp", "")
        nonce = reply.headers.get("x-nonce", "")
        given = reply.headers.get("x-signature", "")
        if not (ts.isdigit() and nonce and given) or abs(time.time() - int(ts)) > MAX_SKEW_S:
            return False
        expected = signature(self.secret, self.app_id, ts, nonce, reply.content)
        return hmac.compare_digest(expected, given)

    async def check(self, name: str, id_number: str, mobile: str | None) -> Answer:
        payload: dict[str, str] = {"name": name, "id_number": id_number}
        if mobile:
            payload["mobile"] = mobile
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            async with httpx.AsyncClient(timeout=self.timeout, verify=self.verify) as client:
                reply = await client.post(self.url, content=body, headers=self._headers(body))
        except httpx.HTTPError as exc:
            raise ProviderError(f"{type(exc).__name__}: {exc}") from exc
        if reply.status_code != 200:
            raise ProviderError(f"HTTP {reply.status_code}: {reply.text[:200]}")
        if not self._believed(reply):
            raise ProviderError("reply signature missing or wrong")
        try:
            data = reply.json()
            result, ref = data["result"], str(data["request_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError("malformed reply") from exc
        if result not in ("match", "no_match", "no_record") or not ref:
            raise ProviderError(f"unknown result {result!r}")
        return Answer(result=result, provider_ref=ref[:128])


def provider() -> IdentityProvider | None:
    """The configured provider, or None when online verification is off."""
    s = settings_mod.current()
    if s.idv_provider == "http":  # the settings refuse a provider without its endpoint and keys
        return HttpProvider(
            s.idv_endpoint,
            s.idv_app_id,
            s.idv_app_secret,
            timeout_s=s.idv_timeout_s,
            ca_bundle=s.idv_ca_bundle,
        )
    return None
