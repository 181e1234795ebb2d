"""The PyPI ``georeport`` client (0.3.1) against a live server on loopback: services, a service
definition, requests with filters and a single request, in JSON and in XML. The client has no
POST (it only reads), so filing is covered by test_post.py.

``make venv`` installs the client with ``--no-deps`` (its metadata pins xmltodict<0.15; it calls
only ``xmltodict.parse``, which our 1.x keeps), so it is expected everywhere the suite runs: a
missing client fails this module instead of skipping it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from tests.open311.test_requests import world  # noqa: F401 - the published cases

try:
    import georeport
except ImportError as exc:  # pragma: no cover - an environment not made by `make venv`
    raise ImportError("the georeport client is missing: `make venv` installs it "
                      "(pip install --no-deps georeport==0.3.1)") from exc


@pytest.fixture
async def live(app: Any, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """The test app served by uvicorn on a free loopback port, in this event loop."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # uvicorn has no event for it  # noqa: ASYNC110
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/open311/v2"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_the_georeport_client_reads_services_and_requests(live, world):  # noqa: F811
    client = georeport.GeoReport(live, output_format="json")
    services = await asyncio.to_thread(client.get_service_list)
    assert "ENV-NOISE" in {s["service_code"] for s in services}
    definition = await asyncio.to_thread(client.get_service_definition, "ENV-NOISE")
    assert [a["code"] for a in definition["attributes"]] == ["kind", "region_code", "public"]

    noise, road = world["noise"][1], world["road"][1]
    rows = await asyncio.to_thread(client.get_service_requests, service_code="TRAFFIC-ROAD",
                                   status="closed")
    assert [r["service_request_id"] for r in rows] == [road]
    rows = await asyncio.to_thread(client.get_service_requests,
                                   service_request_id=f"{noise},{road}")
    assert {r["service_request_id"] for r in rows} == {noise, road}
    one = await asyncio.to_thread(client.get_service_request, noise)
    assert one["service_request_id"] == noise and one["status"] == "closed"


async def test_the_georeport_client_reads_xml(live, world):  # noqa: F811
    client = georeport.GeoReport(live, output_format="xml")
    services = await asyncio.to_thread(client.get_service_list)
    assert "ENV-NOISE" in {s["service_code"] for s in services}
    definition = await asyncio.to_thread(client.get_service_definition, "ENV-NOISE")
    assert definition["service_code"] == "ENV-NOISE"
    rows = await asyncio.to_thread(client.get_service_requests, service_code="ENV-NOISE")
    assert {r["service_request_id"] for r in rows} == {world["noise"][1], world["ningbo"][1]}
    one = await asyncio.to_thread(client.get_service_request, world["road"][1])
    assert one["service_code"] == "TRAFFIC-ROAD" and one["requested_datetime"].endswith("+08:00")
