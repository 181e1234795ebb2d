"""Fixtures and helpers shared by the tests/test_notify_*.py modules: the fake servers, worker
settings with small timeouts and backoffs, and quick ways to fill and drain the outbox."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hotline.crypto import encrypt
from hotline.settings import Settings
from models.outbox import OutboxMessage
from notify.templates import TEMPLATES, placeholders
from notify.worker import Worker
from tests.fakes.aliyun_sms import FakeAliyunSms
from tests.fakes.tls import TlsFiles, make_tls

SIGN = "浙江12345"
TEMPLATE_CODES = {name: f"SMS_{100000 + i}" for i, name in enumerate(sorted(TEMPLATES))}
TERMINAL = ("sent", "delivered", "failed", "dead")


@pytest.fixture(scope="session")
def tls_files(tmp_var: Path) -> TlsFiles:
    return make_tls(tmp_var / "tls")


@pytest.fixture(scope="session")
def sms_server(tls_files: TlsFiles) -> Iterator[FakeAliyunSms]:
    fake = FakeAliyunSms({"test-ak": "test-secret"}, sign_names={SIGN})
    fake.start(certfile=str(tls_files.cert), keyfile=str(tls_files.key))
    yield fake
    fake.stop()


@pytest.fixture
def fake_sms(sms_server: FakeAliyunSms) -> FakeAliyunSms:
    sms_server.reset()
    return sms_server


def quiet_off(settings: Settings, **over: Any) -> Settings:
    """Test settings for the worker: quiet hours off, tiny backoffs, fast flushes."""
    values: dict[str, Any] = {
        "quiet_hours_start": "00:00",
        "quiet_hours_end": "00:00",
        "outbox_backoff_base_s": 0.01,
        "outbox_backoff_max_s": 0.05,
        "outbox_max_attempts": 20,
        "outbox_poll_s": 0.05,
        "outbox_flush_s": 0.02,
        "outbox_lease_s": 0.1,
        "sms_connect_timeout_s": 0.5,
        "sms_timeout_s": 0.3,
        "smtp_timeout_s": 2.0,
    }
    values.update(over)
    return settings.model_copy(update=values)


def sms_settings(
    settings: Settings, fake: FakeAliyunSms, tls: TlsFiles, **over: Any
) -> Settings:
    values: dict[str, Any] = {
        "sms_access_key_id": "test-ak",
        "sms_access_key_secret": "test-secret",
        "sms_sign_name": SIGN,
        "sms_endpoint": fake.url,
        "sms_ca_bundle": str(tls.ca),
        "sms_template_codes": TEMPLATE_CODES,
        "sms_throttle_delay_s": 0.05,
        "sms_pool_size": 16,
        "outbox_concurrency": 32,
    }
    return quiet_off(settings, **(values | over))


def sample_params(template: str) -> dict[str, str]:
    return {name: f"{name}-x" for name in placeholders(template)} | {
        "tracking_no": "20261127-000123",
        "query_code": "493021",
        "code": "482913",
    }


async def add_rows(
    n: int,
    template: str = "case_received",
    *,
    phone: Callable[[int], str | None] = lambda i: f"138{i:08d}",
    recipient_kind: str = "phone",
    recipient_id: str | None = None,
    channel: str = "sms",
    urgent: bool | None = None,
) -> list[int]:
    """``n`` outbox rows written as ``notify.outbox.enqueue`` writes them, in one go."""
    now = datetime.now(UTC)
    params = encrypt(json.dumps(sample_params(template), ensure_ascii=False))
    rows = [
        OutboxMessage(
            channel=channel, template=template, recipient_kind=recipient_kind,
            recipient_id=recipient_id, address_enc=encrypt(phone(i)), params_enc=params,
            urgent=TEMPLATES[template].urgent if urgent is None else urgent,
            next_attempt_at=now, created_at=now,
        )
        for i in range(n)
    ]
    await OutboxMessage.bulk_create(rows, batch_size=500)
    ids = await OutboxMessage.filter(created_at=now).order_by("id").values_list("id", flat=True)
    return list(ids)


async def statuses() -> Counter[str]:
    return Counter(str(s) for s in await OutboxMessage.all().values_list("status", flat=True))


async def drain_all(*workers: Worker, give_up_s: float = 120.0) -> None:
    """Run the workers until no row is pending or sending (retries included)."""
    deadline = time.monotonic() + give_up_s
    while True:
        await asyncio.gather(*(w.drain() for w in workers))
        left = await OutboxMessage.filter(status__in=("pending", "sending")).count()
        if not left:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{left} rows left after {give_up_s} s: {await statuses()}")
        await asyncio.sleep(0.02)
