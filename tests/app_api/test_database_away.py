"""A database that went away is a 503 problem, never a 500 (``make fault``'s PostgreSQL restart).

The case that answered 500s: PostgreSQL, stopping (or ending a session), sends each idle
connection a FATAL error and then closes it. asyncpg reads the error first; until it reads the
close, the pool still hands the connection out, and the next statement on it fails with
``InternalClientError: cannot switch to state 12; another operation (2) is in progress``.
Here a proxy in front of the test PostgreSQL holds back the close, so the window is as wide as
the test needs, and the session is ended with ``pg_terminate_backend`` (the same FATAL 57P01 a
fast shutdown sends) rather than by stopping a shared server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from asyncpg.exceptions import InternalClientError

from app_api import errors
from app_api.observe import Observe
from app_api.schemas.problem import PROBLEM_MEDIA_TYPE
from casework import reference
from hotline.settings import Settings
from tests.conftest import _postgres_url

ENDED = "cannot switch to state 12; another operation (2) is in progress"


class HoldingProxy:
    """A TCP proxy that passes everything through but, when the server closes a connection,
    keeps the client's side open until :meth:`release` (the server's last bytes do reach
    the client)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server_closed = asyncio.Event()
        self._release = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    def release(self) -> None:
        self._release.set()

    async def close(self) -> None:
        self.release()
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        s_reader, s_writer = await asyncio.open_connection(*self.target)

        async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       hold: bool) -> None:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
            if hold:  # the server closed: its FATAL went through, the close waits
                self.server_closed.set()
                await self._release.wait()
            writer.close()

        for task in (asyncio.create_task(pump(c_reader, s_writer, False)),
                     asyncio.create_task(pump(s_reader, c_writer, True))):
            self._tasks.add(task)


@pytest.fixture
async def proxy_url() -> AsyncIterator[tuple[str, str, HoldingProxy]]:
    base = _postgres_url()
    if not base:
        pytest.skip("needs HOTLINE_TEST_POSTGRES_URL (a PostgreSQL server)")
    url = urlsplit(base.replace("postgres://", "postgresql://", 1))
    proxy = HoldingProxy(url.hostname or "127.0.0.1", url.port or 5432)
    port = await proxy.start()
    netloc = f"{url.username or 'postgres'}{':' + url.password if url.password else ''}"
    via = urlunsplit(url._replace(netloc=f"{netloc}@127.0.0.1:{port}"))
    try:
        yield urlunsplit(url), via, proxy
    finally:
        await proxy.close()


async def test_a_connection_postgresql_ended_fails_as_the_database_away(
    proxy_url: tuple[str, str, HoldingProxy],
) -> None:
    import asyncpg

    direct, via_proxy, proxy = proxy_url
    conn = await asyncpg.connect(via_proxy)
    admin = await asyncpg.connect(direct)
    try:
        assert await conn.fetchval("SELECT 1") == 1  # the statement is prepared and cached
        await admin.execute("SELECT pg_terminate_backend($1)", conn.get_server_pid())
        await asyncio.wait_for(proxy.server_closed.wait(), 10)
        await asyncio.sleep(0.2)  # the client reads the FATAL; the close is held back
        with pytest.raises(Exception) as caught:
            await conn.fetchval("SELECT 1")
    finally:
        proxy.release()
        await admin.close()
        with contextlib.suppress(Exception):
            await conn.close(timeout=2)
    # asyncpg 0.32 (issue 1069): not a connection error but an internal one, which the error
    # mapping took for a bug and answered 500
    assert isinstance(caught.value, InternalClientError), repr(caught.value)
    assert str(caught.value).startswith("cannot switch to state")
    assert errors._database_away(caught.value)


def test_only_asyncpgs_busy_connection_error_is_the_database_away() -> None:
    assert errors._database_away(InternalClientError(ENDED))
    assert errors._database_away(
        InternalClientError('cannot switch to state 15; protocol is in the "failed" state')
    )
    try:  # as Tortoise or a service might wrap it
        try:
            raise InternalClientError(ENDED)
        except InternalClientError as inner:
            raise RuntimeError("query failed") from inner
    except RuntimeError as outer:
        assert errors._database_away(outer)
    # asyncpg's other internal errors are bugs: still 500s
    assert not errors._database_away(InternalClientError("unexpected codec error"))
    assert not errors._database_away(RuntimeError("cannot switch to state 12"))


async def test_no_address_of_the_database_host_answering_is_the_database_away() -> None:
    """A host name with several addresses: asyncio's connect raises a plain OSError naming
    each failure (each address's is a ConnectionRefusedError)."""
    loop = asyncio.get_running_loop()
    infos = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", _closed_port())),
             (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", 9))]

    async def resolve(*_: Any, **__: Any) -> list[Any]:
        return infos

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loop, "getaddrinfo", resolve)
        with pytest.raises(OSError) as caught:
            await loop.create_connection(asyncio.Protocol, "db.internal", 5432)
    assert type(caught.value) is OSError, repr(caught.value)  # not a ConnectionError
    assert errors._database_away(caught.value)
    assert not errors._database_away(FileNotFoundError(2, "No such file or directory"))
    assert not errors._database_away(OSError("disk full"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    "exc",
    [InternalClientError(ENDED), ConnectionRefusedError(111, "Connection refused")],
    ids=["ended-connection", "refused"],
)
async def test_the_database_away_is_a_503_that_escapes_no_further(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, exc: Exception,
) -> None:
    """The 503 problem with Retry-After, answered inside the app: nothing is raised to the
    server (``client`` re-raises what escapes the app), nothing is logged as unhandled."""

    async def away(*_: Any, **__: Any) -> Any:
        raise exc

    monkeypatch.setattr(reference, "category_list_json", away)
    with caplog.at_level(logging.WARNING):
        r = await client.get("/api/v1/categories")
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert r.headers["retry-after"] == "2"
    assert r.json()["code"] == "service_unavailable"
    assert r.headers["x-request-id"]  # answered inside Observe
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert any("database unavailable" in rec.getMessage() for rec in caplog.records)


async def test_observe_counts_a_reply_cut_short_with_the_status_it_sent(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """An exception after the reply began: the client got that status (and a cut reply), so
    the access line says it, not 500."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("cut mid-reply")

    observe = Observe(app, settings.model_copy(update={"log_format": "json",
                                                       "access_log": "all"}))
    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [],
             "client": ("203.0.113.7", 1)}

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    async def send(_: Any) -> None:
        return None

    with caplog.at_level(logging.INFO, logger="hotline.access"), \
            pytest.raises(RuntimeError):
        await observe(scope, receive, send)
    statuses = [getattr(r, "status", None) for r in caplog.records if r.name == "hotline.access"]
    assert statuses == [200]
