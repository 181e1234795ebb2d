"""Structured logs: JSON lines carrying the request id, X-Request-Id echoed and validated, and
no phone number in any line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app_api.observe import Observe
from hotline import logs
from hotline.settings import Settings
from notify.worker import Worker
from tests.conftest import login_citizen

PHONE = "13800138000"


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The root logger also writes JSON lines (as in production) into the returned buffer."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(logs.MaskingFilter())
    handler.setFormatter(logs.JSONFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
def access_lines(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Access lines on, as with HOTLINE_LOG_FORMAT=json (the suite runs with env=test)."""
    layer = app.middleware_stack or app.build_middleware_stack()
    app.middleware_stack = layer
    while not isinstance(layer, Observe):
        layer = layer.app
    monkeypatch.setattr(layer, "access", "all")


def parsed(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_production_logs_json_and_development_the_console_format() -> None:
    assert logs.log_format(Settings(env="production")) == "json"
    assert logs.log_format(Settings(env="development")) == "console"
    assert logs.log_format(Settings(env="development", log_format="json")) == "json"
    assert logs.log_format(Settings(env="production", log_format="console")) == "console"


async def test_each_request_has_an_id_in_its_reply_and_in_its_log_lines(
    client: httpx.AsyncClient, json_lines: io.StringIO, access_lines: None
) -> None:
    r = await client.get("/healthz", headers={"X-Request-Id": "lb-7f3a:42"})
    assert r.headers["x-request-id"] == "lb-7f3a:42"
    r = await client.get("/healthz")
    generated = r.headers["x-request-id"]
    assert len(generated) == 32 and int(generated, 16) >= 0

    lines = [line for line in parsed(json_lines) if line["logger"] == "hotline.access"]
    assert [line["request_id"] for line in lines] == ["lb-7f3a:42", generated]
    first = lines[0]
    assert {"time", "level", "logger", "message"} <= set(first)
    assert first["time"].endswith("Z") and first["level"] == "INFO"
    assert (first["method"], first["route"], first["status"]) == ("GET", "/healthz", 200)
    assert first["client_ip"] == "203.0.113.7"
    assert isinstance(first["duration_ms"], float)


@pytest.mark.parametrize(
    "given", ["", "x" * 65, "has space", "tab\there", "ünïcode", "a\x7fb"]
)
async def test_an_unfit_request_id_is_replaced(client: httpx.AsyncClient, given: str) -> None:
    r = await client.get("/healthz", headers={"X-Request-Id": given.encode("utf-8")})
    echoed = r.headers["x-request-id"]
    assert echoed != given and len(echoed) == 32


async def test_records_made_while_answering_carry_the_request_id(
    client: httpx.AsyncClient, json_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotline import db

    async def pending() -> list[str]:
        logging.getLogger("hotline.db").info("checked the migrations")
        return []

    monkeypatch.setattr(db, "pending_migrations", pending)
    r = await client.get("/readyz", headers={"X-Request-Id": "probe-1"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "probe-1"
    logging.getLogger("hotline.test").info("outside any request")
    lines = [(line["message"], line["request_id"]) for line in parsed(json_lines)]
    assert ("checked the migrations", "probe-1") in lines
    assert lines[-1] == ("outside any request", None)


async def test_no_phone_number_reaches_a_log_line(
    client: httpx.AsyncClient, json_lines: io.StringIO, access_lines: None,
    settings: Settings, capsys: pytest.CaptureFixture[str],
) -> None:
    await login_citizen(client, PHONE)
    worker = Worker(settings)  # the console sink sends the code
    try:
        await worker.drain()
    finally:
        await worker.close()
    log = logging.getLogger("hotline.test")
    log.warning("provider refused %s for +86 %s", PHONE, "13912345678")
    log.info("id card 330106199001011234 of citizen")
    try:
        raise ValueError(f"bad number {PHONE}")
    except ValueError:
        log.exception("failed")
    text = json_lines.getvalue() + capsys.readouterr().out
    assert PHONE not in text and "13912345678" not in text
    assert "138****8000" in text and "139****5678" in text
    assert "330106199001011234" not in text
    assert "330106********1234" in text


def test_masking_keeps_other_numbers() -> None:
    assert logs.mask("outbox row 12345678901234 sent") == "outbox row 12345678901234 sent"
    assert logs.mask("case 20250101000123") == "case 20250101000123"
    assert logs.mask("to 13800138000.") == "to 138****8000."
