"""Partner fixtures: the fake receiver on loopback, partners made through the admin API, and
a worker with small timeouts and backoffs that drains the outbox to the receiver."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hotline import settings as settings_mod
from hotline.settings import Settings
from models.outbox import OutboxMessage
from notify.channels import build_channels
from notify.worker import Worker
from tests.conftest import bearer, login_staff
from tests.fakes.partner import FakePartner

API = "/api/v1"


@pytest.fixture(scope="session")
def partner_server() -> Iterator[FakePartner]:
    fake = FakePartner()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_partner(partner_server: FakePartner) -> FakePartner:
    with partner_server.lock:
        partner_server.receivers.clear()
        partner_server.deliveries.clear()
        partner_server.refused.clear()
    return partner_server


@pytest.fixture
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_mod.current(), "webhook_allow_private", True)


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> str:
    return await login_staff(client, "admin")


async def call(client: httpx.AsyncClient, token: str, method: str, path: str,
               body: Any = None, status: int = 200) -> Any:
    r = await client.request(method, API + path, json=body, headers=bearer(token))
    assert r.status_code == status, r.text
    return r.json() if r.content else None


async def partner_call(client: httpx.AsyncClient, key: str | None, method: str, path: str,
                       body: Any = None, status: int = 200) -> Any:
    headers = {"X-Api-Key": key} if key is not None else {}
    r = await client.request(method, API + path, json=body, headers=headers)
    assert r.status_code == status, r.text
    return r.json()


async def make_partner(client: httpx.AsyncClient, admin: str, fake: FakePartner | None = None,
                       name: str = "p", **fields: Any) -> dict[str, Any]:
    """A partner registered through the admin API; with ``fake``, a receiver named ``name``
    holding its webhook secret is added and becomes its webhook URL."""
    body = {"name": f"合作系统 {name}", "scopes": ["cases:create", "cases:read", "events"]}
    made = await call(client, admin, "POST", "/admin/partners", body | fields, 201)
    if fake is not None:
        url = fake.receiver(name, made["webhook_secret"])
        await call(client, admin, "PATCH", f"/admin/partners/{made['id']}", {"webhook_url": url})
    return made


def worker_settings(**over: Any) -> Settings:
    values: dict[str, Any] = {
        "quiet_hours_start": "00:00", "quiet_hours_end": "00:00",
        "outbox_backoff_base_s": 0.01, "outbox_backoff_max_s": 0.05,
        "outbox_poll_s": 0.02, "outbox_flush_s": 0.02, "outbox_lease_s": 0.1,
        "webhook_timeout_s": 1.0, "webhook_allow_private": True,
    }
    return settings_mod.current().model_copy(update=values | over)


async def drain_until(worker: Worker, done: Any, within: float = 10.0) -> None:
    """Run the worker until ``await done()`` holds."""
    deadline = time.monotonic() + within
    while not await done():
        assert time.monotonic() < deadline, "the outbox did not drain in time"
        await worker.drain()
        await asyncio.sleep(0.02)


@pytest.fixture
async def worker() -> Any:
    s = worker_settings()
    w = Worker(s, build_channels(s))
    yield w
    await w.close()


async def webhook_rows(**filters: Any) -> list[OutboxMessage]:
    return await OutboxMessage.filter(recipient_kind="partner", **filters).order_by("id")


@pytest.fixture(autouse=True)
def fresh_routes() -> None:
    """Partners are made anew by each test (ids reused after the cleaning on PostgreSQL too)."""
    from partners import delivery

    delivery.forget()
