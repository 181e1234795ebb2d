"""Whose X-Forwarded-For counts: only that of HOTLINE_TRUSTED_PROXIES, in the app and in uvicorn."""

from __future__ import annotations

import argparse
from typing import Any

import httpx
import pytest
from starlette.requests import Request

from app_api.deps import client_ip, uvicorn_proxy_options
from hotline import settings as settings_mod
from hotline.settings import Settings


def _request(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


@pytest.fixture
def trust(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Any:
    def set_trusted(*entries: str) -> None:
        monkeypatch.setattr(settings_mod.current(), "trusted_proxies", list(entries))

    return set_trusted


def test_without_trusted_proxies_the_peer_is_the_client_even_on_loopback(trust):
    trust()
    assert client_ip(_request("127.0.0.1", "198.51.100.1")) == "127.0.0.1"
    assert client_ip(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_a_trusted_proxy_hands_on_the_address_it_saw(trust):
    trust("10.0.0.0/8", "127.0.0.1")
    # the client forged the leftmost entry; the proxy appended what it saw
    assert client_ip(_request("10.1.2.3", "6.6.6.6, 198.51.100.1")) == "198.51.100.1"
    # two proxies of ours in a row
    assert client_ip(_request("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.9.9.9")) == "198.51.100.1"
    # several header lines count as one list
    assert client_ip(_request("10.1.2.3", "6.6.6.6", "198.51.100.2")) == "198.51.100.2"
    # a peer outside the list is believed about nothing
    assert client_ip(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"
    # no header, or garbage: the last trusted hop
    assert client_ip(_request("10.1.2.3")) == "10.1.2.3"
    assert client_ip(_request("10.1.2.3", "not-an-ip")) == "10.1.2.3"


def test_the_list_is_read_from_json_or_commas_and_checked(monkeypatch):
    monkeypatch.setenv("HOTLINE_TRUSTED_PROXIES", "10.0.0.0/8, ::1")
    assert Settings().trusted_proxies == ["10.0.0.0/8", "::1"]
    monkeypatch.setenv("HOTLINE_TRUSTED_PROXIES", '["192.0.2.1"]')
    assert Settings().trusted_proxies == ["192.0.2.1"]
    monkeypatch.setenv("HOTLINE_TRUSTED_PROXIES", "proxy.example")
    with pytest.raises(ValueError):
        Settings()
    monkeypatch.delenv("HOTLINE_TRUSTED_PROXIES")
    assert Settings().trusted_proxies == []


async def test_per_ip_limits_see_through_trusted_proxies_only(app, trust, settings):
    """Behind a trusted proxy each client has its own SMS-code budget; a forged header from an
    untrusted peer does not buy a new one."""
    trust("127.0.0.1")
    limit = settings_mod.current().sms_code_per_ip_hourly

    async def codes(peer: str, forwarded: str, n: int, phones: str) -> list[int]:
        transport = httpx.ASGITransport(app=app, client=(peer, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return [
                (await c.post(
                    "/api/v1/auth/sms-code", json={"phone": f"{phones}{i:04d}"},
                    headers={"X-Forwarded-For": f"{forwarded}{i}"},
                )).status_code
                for i in range(n)
            ]

    # an untrusted peer varying the header: one budget, the peer's
    assert (await codes("203.0.113.9", "198.51.100.", limit + 1, "1390000"))[-1] == 429
    # through the trusted proxy: each its own client, the proxy's own budget spent meanwhile
    assert (await codes("127.0.0.1", "", limit + 1, "1370000"))[-1] == 429
    assert set(await codes("127.0.0.1", "198.51.100.", 3, "1360000")) == {202}


def test_uvicorn_trusts_the_same_proxies(monkeypatch):
    assert uvicorn_proxy_options([]) == {"proxy_headers": False}
    assert uvicorn_proxy_options(["10.0.0.0/8", "127.0.0.1"]) == {
        "proxy_headers": True, "forwarded_allow_ips": "10.0.0.0/8,127.0.0.1"
    }


def test_serve_hands_uvicorn_the_trusted_proxies(monkeypatch, settings):
    import uvicorn

    from launch import cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(settings_mod, "_current", settings_mod.current())  # restored after
    monkeypatch.setattr(cli, "_run", lambda job: 0)
    monkeypatch.setattr("gc.freeze", lambda: None)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    monkeypatch.setattr("app_api.app.create_app", lambda s, **kw: object())
    monkeypatch.setenv("HOTLINE_SECRET_KEY", "k" * 32)
    monkeypatch.setenv("HOTLINE_DATA_KEY", "d" * 32)
    args = argparse.Namespace(host="127.0.0.1", port=8000, access_log=False, workers=1)
    monkeypatch.delenv("HOTLINE_TRUSTED_PROXIES", raising=False)
    cli.cmd_serve(args)
    assert seen["proxy_headers"] is False  # uvicorn's default would believe loopback
    monkeypatch.setenv("HOTLINE_TRUSTED_PROXIES", "10.0.0.0/8")
    cli.cmd_serve(args)
    assert seen["proxy_headers"] is True and seen["forwarded_allow_ips"] == "10.0.0.0/8"
