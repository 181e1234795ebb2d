"""The event-loop transport of Aliyun RPC calls: the SDK's signature byte for byte, and what a
failure on the wire means (never sent, or maybe sent)."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import parse_qsl, urlsplit

import pytest
from aliyunsdkcore.auth.composer import rpc_signature_composer
from aliyunsdkcore.utils import parameter_helper
from aliyunsdkdysmsapi.request.v20170525.QuerySendDetailsRequest import QuerySendDetailsRequest
from aliyunsdkdysmsapi.request.v20170525.SendSmsRequest import SendSmsRequest

from notify.aliyun_rpc import Broken, CallTimeout, RpcTransport, Unreachable, rpc_params, sign

STAMP, NONCE = "2026-12-01T08:00:00Z", "0123456789abcdef0123456789abcdef"


def sms_request() -> SendSmsRequest:
    request = SendSmsRequest()
    request.set_PhoneNumbers("13800138000")
    request.set_SignName("浙江12345")
    request.set_TemplateCode("SMS_100001")
    # space, *, ~, +, quotes, Chinese: every percent-encoding rule
    request.set_TemplateParam('{"name":"张 三*~+","no":"20261127-000123"}')
    request.set_OutId("hl42")
    request.set_accept_format("JSON")
    return request


def sdk_signed(request, monkeypatch) -> tuple[dict[str, str], str]:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(parameter_helper, "get_iso_8061_date", lambda: STAMP)
    monkeypatch.setattr(parameter_helper, "get_uuid", lambda: NONCE)
    url = request.get_url("cn-hangzhou", "test-ak", "test-secret")
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True)), request.string_to_sign


@pytest.mark.parametrize("build", [sms_request, lambda: query_request()])
def test_signature_is_the_sdk_composers(build, monkeypatch):  # type: ignore[no-untyped-def]
    assert rpc_signature_composer.helper is parameter_helper
    ours = rpc_params(build(), "cn-hangzhou", "test-ak", timestamp=STAMP, nonce=NONCE)
    signature, text = sign("POST", ours, "test-secret")
    theirs, their_text = sdk_signed(build(), monkeypatch)
    assert text == their_text
    assert signature == theirs.pop("Signature")
    assert ours == theirs


def query_request() -> QuerySendDetailsRequest:
    request = QuerySendDetailsRequest()
    request.set_PhoneNumber("13800138000")
    request.set_SendDate("20261201")
    request.set_PageSize(50)
    request.set_CurrentPage(1)
    request.set_accept_format("JSON")
    return request


def transport(port: int, **over: float) -> RpcTransport:
    values = {"connect_timeout_s": 0.5, "read_timeout_s": 0.3}
    return RpcTransport(
        "http", "127.0.0.1", port, region_id="cn-hangzhou", access_key_id="test-ak",
        access_key_secret="test-secret", max_connections=2, **(values | over),
    )


async def test_refused_means_never_sent():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: refused
        with pytest.raises(Unreachable):
            await transport(port).call(sms_request())


async def _server(reply: bytes | None):  # type: ignore[no-untyped-def]
    """A server that reads a request and answers ``reply`` (None: says nothing; b"": hangs up)."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readuntil(b"\r\n\r\n"))
        if reply is None:
            await asyncio.sleep(5)
        else:
            writer.write(reply)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], seen


async def test_no_reply_in_time_and_a_hang_up_may_have_gone_through():
    for reply, error in ((None, CallTimeout), (b"", Broken), (b"NOT HTTP\r\n\r\n", Broken)):
        server, port, seen = await _server(reply)
        async with server:
            with pytest.raises(error):
                await transport(port).call(sms_request())
            assert len(seen) == 1 and b"OutId=hl42" in seen[0]  # it was on the wire


async def test_keep_alive_reuses_the_connection_and_reads_the_status():
    assert await _keep_alive() == 1


def test_on_uvloop_as_in_production():
    """``hotline serve`` runs on uvloop, whose transports are not asyncio's classes."""
    import uvloop

    assert uvloop.run(_keep_alive()) == 1


async def _keep_alive() -> int:
    body = b'{"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"x"}'
    head = b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n" % len(body)
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            writer.write(head + body)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        rpc = transport(server.sockets[0].getsockname()[1])
        for _ in range(3):
            assert await rpc.call(sms_request()) == (400, body)
        await rpc.close()
    return connections
