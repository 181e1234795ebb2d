"""A local stand-in for a cloud identity-verification service (二要素/三要素核验).

A real HTTP server on 127.0.0.1 (uvicorn in a thread with its own event loop, or as a process:
``python -m tests.fakes.identity_provider --port P``) speaking the protocol documented in
``identity/idv.py``: it checks the app id, the timestamp window, nonce reuse and the
HMAC-SHA256 signature over app id, timestamp, nonce and the body's SHA-256, answers
``match`` / ``no_match`` / ``no_record`` from its registry of people, and signs its replies.

Switches: ``fail_next`` (HTTP 500), ``hang_s`` (hold the answer past the client's timeout),
``unsigned_next`` (a reply without a valid signature), ``forged_match_next`` (a "match" signed
with a wrong key). ``calls`` records each request (its body and whether the signature held).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import uvicorn

from tests.fakes.serving import Background

PATH = "/v1/identity/verify"
MAX_SKEW_S = 300


def signature(secret: str, app_id: str, timestamp: str, nonce: str, body: bytes) -> str:
    text = "\n".join((app_id, timestamp, nonce, hashlib.sha256(body).hexdigest()))
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


@dataclass
class Call:
    body: dict[str, Any]
    signature_ok: bool


class FakeIdentityProvider:
    def __init__(self, app_id: str = "idv-app", secret: str = "idv-secret") -> None:
        self.app_id, self.secret = app_id, secret
        # id_number -> (name, mobile or None): who the population registry knows
        self.people: dict[str, tuple[str, str | None]] = {}
        self.lock = threading.Lock()
        self.url = ""
        self._serving = Background("the fake identity provider")
        self.reset()

    def reset(self) -> None:
        self.calls: list[Call] = []
        self.nonces: set[str] = set()
        self.fail_next = 0
        self.hang_s = 0.0
        self.unsigned_next = 0
        self.forged_match_next = 0

    def register(self, id_number: str, name: str, mobile: str | None = None) -> None:
        self.people[id_number] = (name, mobile)

    # -- the API --------------------------------------------------------------------------
    def _authentic(self, headers: dict[str, str], body: bytes) -> str | None:
        """Why the request is refused, or None."""
        if headers.get("x-app-id") != self.app_id:
            return "unknown_app"
        ts, nonce = headers.get("x-timestamp", ""), headers.get("x-nonce", "")
        if not ts.isdigit() or abs(time.time() - int(ts)) > MAX_SKEW_S:
            return "timestamp_expired"
        expected = signature(self.secret, self.app_id, ts, nonce, body)
        if not hmac.compare_digest(expected, headers.get("x-signature", "")):
            return "signature_mismatch"
        with self.lock:
            if not nonce or nonce in self.nonces:
                return "nonce_reused"
            self.nonces.add(nonce)
        return None

    def _decide(self, body: dict[str, Any]) -> str:
        known = self.people.get(str(body.get("id_number", "")))
        if known is None:
            return "no_record"
        name, mobile = known
        if body.get("name") != name:
            return "no_match"
        if body.get("mobile") and mobile and body["mobile"] != mobile:
            return "no_match"
        return "match"

    async def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes
                     ) -> tuple[int, dict[str, Any], str]:
        """(status, reply, the key it is signed with)"""
        request_id = uuid.uuid4().hex
        if method != "POST" or path != PATH:
            return 404, {"request_id": request_id, "error": {"code": "not_found"}}, self.secret
        refused = self._authentic(headers, raw)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        with self.lock:
            self.calls.append(Call(body=body, signature_ok=refused is None))
        if refused:
            error = {"code": refused, "message": "request refused"}
            return 401, {"request_id": request_id, "error": error}, self.secret
        with self.lock:
            failing, self.fail_next = self.fail_next > 0, max(0, self.fail_next - 1)
            unsigned, self.unsigned_next = self.unsigned_next > 0, max(0, self.unsigned_next - 1)
            forged = self.forged_match_next > 0
            self.forged_match_next = max(0, self.forged_match_next - 1)
        if self.hang_s:
            await asyncio.sleep(self.hang_s)
        if failing:
            return 500, {"request_id": request_id, "error": {"code": "internal"}}, self.secret
        if forged:
            return 200, {"request_id": request_id, "result": "match"}, "not-the-secret"
        result = self._decide(body)
        return 200, {"request_id": request_id, "result": result}, "" if unsigned else self.secret

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            event = await receive()
            raw += event.get("body", b"")
            if not event.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        status, reply, key = await self.handle(scope["method"], scope["path"], headers, raw)
        payload = json.dumps(reply, ensure_ascii=False).encode()
        out = [(b"content-type", b"application/json; charset=utf-8"),
               (b"content-length", str(len(payload)).encode())]
        if key:
            ts, nonce = str(int(time.time())), secrets.token_hex(16)
            out += [(b"x-timestamp", ts.encode()), (b"x-nonce", nonce.encode()),
                    (b"x-signature", signature(key, self.app_id, ts, nonce, payload).encode())]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": payload})

    # -- serving --------------------------------------------------------------------------
    def start(self, *, port: int = 0) -> str:
        """Serve in a background thread; returns the base URL."""
        bound = self._serving.start(lambda p: uvicorn.Config(
            self, host="127.0.0.1", port=p, log_level="critical", access_log=False,
            lifespan="off", loop="asyncio", timeout_graceful_shutdown=0,
        ), port)
        self.url = f"http://127.0.0.1:{bound}"
        return self.url

    def stop(self) -> None:
        self._serving.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--app", default="idv-app:idv-secret", help="APP_ID:APP_SECRET")
    parser.add_argument("--person", action="append", default=[],
                        help="ID_NUMBER:NAME[:MOBILE] the registry knows (repeatable)")
    args = parser.parse_args()
    app_id, secret = args.app.split(":", 1)
    fake = FakeIdentityProvider(app_id, secret)
    for entry in args.person:
        number, name, *mobile = entry.split(":")
        fake.register(number, name, mobile[0] if mobile else None)
    config = uvicorn.Config(fake, host="127.0.0.1", port=args.port, log_level="warning",
                            access_log=False, lifespan="off", timeout_graceful_shutdown=1)
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
