"""GET /metrics: requests by route template, the outbox backlog, deliveries, cases by light,
and who may read it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hotline.settings import Settings
from models.outbox import OutboxMessage
from notify.worker import Worker
from tests.conftest import COMPLAINT, bearer, login_citizen

ROOT = Path(__file__).resolve().parents[2]
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$")


@pytest.fixture
async def local(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client on loopback, as a scraper on the same host."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def samples(text: str) -> dict[str, float]:
    found = {}
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if m:
            found[m.group(1)] = float(m.group(2))
    return found


async def scrape(local: httpx.AsyncClient) -> dict[str, float]:
    r = await local.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return samples(r.text)


async def test_requests_are_counted_by_route_template_not_by_path(
    client: httpx.AsyncClient, local: httpx.AsyncClient
) -> None:
    token = (await login_citizen(client, "13800138000"))["access_token"]
    filed = 'hotline_http_requests_total{method="POST",route="/api/v1/cases",status="2xx"}'
    shown = (
        'hotline_http_requests_total{method="GET",route="/api/v1/cases/{tracking_no}",'
        'status="2xx"}'
    )
    missing = (
        'hotline_http_requests_total{method="GET",route="/api/v1/cases/{tracking_no}",'
        'status="4xx"}'
    )
    before = await scrape(local)
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(token))
    assert r.status_code == 201, r.text
    no = r.json()["tracking_no"]
    assert (await client.get(f"/api/v1/cases/{no}", headers=bearer(token))).status_code == 200
    assert (await client.get("/api/v1/cases/NOPE1", headers=bearer(token))).status_code == 404
    assert (await client.get("/no/such/path")).status_code == 404

    r = await local.get("/metrics")
    after = samples(r.text)
    assert after[filed] == before.get(filed, 0) + 1  # the intake route on the app itself
    assert after[shown] == before.get(shown, 0) + 1
    assert after[missing] == before.get(missing, 0) + 1
    assert after['hotline_http_requests_total{method="GET",route="unmatched",status="4xx"}'] >= 1
    histogram = (
        'hotline_http_request_duration_seconds_count{method="POST",route="/api/v1/cases",'
        'status="2xx"}'
    )
    assert after[histogram] == after[filed]
    assert no not in r.text and "NOPE1" not in r.text and "/no/such" not in r.text


async def test_the_outbox_backlog_and_cases_by_light_are_read_at_scrape_time(
    client: httpx.AsyncClient, local: httpx.AsyncClient
) -> None:
    empty = await scrape(local)
    assert empty["hotline_metrics_database_up"] == 1
    assert empty['hotline_outbox_unsent{status="pending"}'] == 0
    assert empty["hotline_outbox_oldest_unsent_age_seconds"] == 0
    token = (await login_citizen(client, "13800138000"))["access_token"]
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(token))
    assert r.status_code == 201, r.text

    now = await scrape(local)
    pending = await OutboxMessage.filter(status="pending").count()
    assert pending >= 2  # the login code and the "received" message
    assert now['hotline_outbox_unsent{status="pending"}'] == pending
    assert now["hotline_outbox_due"] == pending
    assert now["hotline_outbox_oldest_unsent_age_seconds"] >= 0
    lights = sum(now[f'hotline_cases_by_light{{light="{c}"}}'] for c in ("green", "yellow", "red"))
    assert lights >= 1  # the new case has its dispatch deadline


async def test_deliveries_are_counted_by_channel_and_result(
    client: httpx.AsyncClient, local: httpx.AsyncClient, settings: Settings
) -> None:
    sent = 'hotline_outbox_deliveries_total{channel="sms",result="sent"}'
    before = await scrape(local)
    await login_citizen(client, "13800138000")  # a login code, queued for SMS
    worker = Worker(settings)  # no provider configured: the console sink stands in
    try:
        assert await worker.drain() >= 1
    finally:
        await worker.close()
    after = await scrape(local)
    assert after[sent] == before.get(sent, 0) + 1
    assert after['hotline_outbox_unsent{status="pending"}'] == 0


async def test_sweeps_are_counted(local: httpx.AsyncClient) -> None:
    from casework import sweeper

    before = await scrape(local)
    await sweeper.sweep()
    after = await scrape(local)
    runs = 'hotline_sweeper_runs_total{result="ok"}'
    assert after[runs] == before.get(runs, 0) + 1
    assert after["hotline_sweeper_last_success_timestamp_seconds"] > 0


async def test_only_loopback_may_read_without_a_token(
    client: httpx.AsyncClient, local: httpx.AsyncClient, settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    r = await client.get("/metrics")  # the suite's client is 203.0.113.7
    assert r.status_code == 403
    assert r.json()["code"] == "metrics_forbidden"
    assert (await local.get("/metrics")).status_code == 200
    # a proxy on loopback that is trusted forwards an outside client: not loopback any more
    monkeypatch.setattr(settings, "trusted_proxies", ["127.0.0.1"])
    r = await local.get("/metrics", headers={"X-Forwarded-For": "198.51.100.9"})
    assert r.status_code == 403


async def test_with_a_token_set_the_token_is_required_from_everywhere(
    client: httpx.AsyncClient, local: httpx.AsyncClient, settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "metrics_token", "scrape-secret")
    r = await local.get("/metrics")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["code"] == "metrics_token_required"
    assert (await client.get("/metrics", headers=bearer("wrong"))).status_code == 401
    r = await client.get("/metrics", headers=bearer("scrape-secret"))
    assert r.status_code == 200
    assert "hotline_http_requests_total" in r.text


def test_several_processes_are_summed_in_multiprocess_mode(tmp_path: Path) -> None:
    """Two processes count into PROMETHEUS_MULTIPROC_DIR; a third one's exposition sums them."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    count = textwrap.dedent("""
        from hotline import metrics
        metrics.delivery("sms", "sent")
        metrics.HTTP_REQUESTS.labels("GET", "/healthz", "2xx").inc(2)
    """)
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, cwd=ROOT)
    show = (
        "import sys; from hotline import metrics; sys.stdout.write(metrics.exposition().decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", show], env=env, check=True, cwd=ROOT, capture_output=True,
        text=True,
    ).stdout
    found = samples(out)
    assert found['hotline_outbox_deliveries_total{channel="sms",result="sent"}'] == 2
    assert found['hotline_http_requests_total{method="GET",route="/healthz",status="2xx"}'] == 4
