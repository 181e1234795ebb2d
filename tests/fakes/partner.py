"""A partner's webhook receiver on loopback: a real HTTP server (uvicorn in a thread with its
own event loop) that checks what a careful receiver checks and records what it got.

Each receiver is a path ``/hooks/<name>`` with the secret it holds (:meth:`FakePartner.receiver`).
A delivery is accepted (204) only when ``X-Hotline-Signature`` carries an HMAC-SHA256 of
``timestamp + "." + body`` under that secret and ``X-Hotline-Timestamp`` is at most five minutes
old (else 401, kept in ``refused``). Switches per receiver: ``fail_next`` (answer 503 that many
times), ``sleep_s`` (hold each answer that long — past the sender's timeout, a slow receiver).
``deliveries`` is every accepted delivery in order; ``events(name)`` their event ids.

As a process (for the benchmark): ``python -m tests.fakes.partner --port P --receivers N
--secret S`` serves receivers ``r0`` … ``r<N-1>`` holding secret S; ``GET /_fake/stats`` answers
``{"deliveries", "distinct", "refused"}``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from tests.fakes.serving import Background

TOLERANCE_S = 300


def signature_ok(secret: str, header: str, stamp: str, body: bytes) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), stamp.encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))


@dataclass
class Receiver:
    secret: str
    fail_next: int = 0
    sleep_s: float = 0.0
    hits: int = 0  # requests of any outcome


@dataclass
class Delivery:
    receiver: str
    event_id: str
    event_type: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakePartner:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.receivers: dict[str, Receiver] = {}
        self.deliveries: list[Delivery] = []
        self.refused: list[tuple[str, str]] = []  # (receiver, reason)
        self.url = ""
        self._serving = Background("the fake partner server")

    def receiver(self, name: str, secret: str, **switches: Any) -> str:
        """Add (or replace) a receiver; its URL."""
        with self.lock:
            self.receivers[name] = Receiver(secret, **switches)
        return f"{self.url}/hooks/{name}"

    def events(self, name: str) -> list[str]:
        with self.lock:
            return [d.event_id for d in self.deliveries if d.receiver == name]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            msg = await receive()
            chunks.append(msg.get("body", b""))
            if not msg.get("more_body"):
                break
        body = b"".join(chunks)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        answer = b""
        if scope["path"] == "/_fake/stats":
            status, answer = 200, json.dumps(self.stats()).encode()
        else:
            status = await self._handle(scope["path"], headers, body)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})

    def stats(self) -> dict[str, int]:
        with self.lock:
            return {"deliveries": len(self.deliveries),
                    "distinct": len({(d.receiver, d.event_id) for d in self.deliveries}),
                    "refused": len(self.refused)}

    async def _handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        name = path.removeprefix("/hooks/")
        with self.lock:
            rec = self.receivers.get(name)
            if rec is None:
                return 404
            rec.hits += 1
            sleep = rec.sleep_s
        if sleep:
            await asyncio.sleep(sleep)
        with self.lock:
            if rec.fail_next > 0:
                rec.fail_next -= 1
                return 503
            stamp = headers.get("x-hotline-timestamp", "")
            if not stamp.isdigit() or time.time() - int(stamp) > TOLERANCE_S:
                self.refused.append((name, "stale timestamp"))
                return 401
            if not signature_ok(rec.secret, headers.get("x-hotline-signature", ""), stamp, body):
                self.refused.append((name, "bad signature"))
                return 401
            data = json.loads(body)
            self.deliveries.append(Delivery(name, data["id"], headers.get("x-hotline-event", ""),
                                            data, headers))
        return 204

    def config(self, port: int) -> uvicorn.Config:
        return uvicorn.Config(
            self, host="127.0.0.1", port=port, log_level="critical", access_log=False,
            lifespan="off", loop="asyncio", http="httptools", timeout_graceful_shutdown=0,
            backlog=1024,
        )

    def start(self) -> str:
        """Serve in a background thread; returns the base URL."""
        self.url = f"http://127.0.0.1:{self._serving.start(self.config)}"
        return self.url

    def stop(self) -> None:
        self._serving.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--receivers", type=int, default=1)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    fake = FakePartner()
    for i in range(args.receivers):
        fake.receiver(f"r{i}", args.secret)
    uvicorn.Server(fake.config(args.port)).run()


if __name__ == "__main__":
    main()
