"""WeChat benchmark: encrypted ``查询`` messages to the official account, next to a bare endpoint.

As the intake bench does (and with its helpers): in a temporary directory, with production
settings and SQLite, ``hotline migrate`` + ``seed-demo``, then ``hotline serve`` on a free loopback
port with the official account in 安全模式 (token, EncodingAESKey, appid) and
HOTLINE_WECHAT_API_BASE on a closed loopback port (a 查询 never calls WeChat). A citizen signs in
through the SMS-code API and files one case. Then, with 32 keep-alive connections for 10 s each:

- ``bare``: ``GET /healthz``;
- ``wechat``: ``POST /wechat/official-account?signature=…&encrypt_type=aes&msg_signature=…`` with
  ``查询 <tracking_no> <query_code>`` messages built as WeChat's servers build them (wechatpy's
  ``WeChatCrypto``, real signatures): one sender (openid) per connection, every message with its
  own MsgId, nonce and timestamp (so no retry-dedupe shortcut), all built before the clock starts.

Both loads use the same Python generator (wrk cannot send a different body per request), which
shares the CPU with the server. Every reply must be an encrypted XML reply; a sample is decrypted
and must hold the progress text. Target: ``wechat_query_p99_ms`` <= 100 ms, zero non-2xx.
``*_server_cpu_ms_per_req`` is the server process's CPU time per request (Linux ``/proc``), a
figure that stays meaningful when other work shares the host and the latencies do not.

Run: ``.venv/bin/python -m bench.wechat_bench`` (``--duration``, ``--connections``).
Loopback only; the server is stopped at the end, also on errors.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import secrets
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.intake_bench import (  # noqa: E402
    CASE_BODY,
    _env,
    _free_port,
    _request,
    _run_cli,
    citizen_token,
    serve,
    target_line,
)

CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
DURATION_S = int(os.environ.get("BENCH_DURATION_S", "10"))
WARMUP_S = 2
MAX_MESSAGES = 80_000
OA_TOKEN = "bench-oa-token"
OA_AES_KEY = "QmVuY2hBRVNLZXlGb3JIb3RsaW5lV2VDaGF0QmVuY2g"  # 43 characters
OA_APPID = "wxbench0000000000"
OA_ACCOUNT = "gh_bench12345"
PATH = "/wechat/official-account"
TARGETS = {"wechat_query_p99_ms": 100.0}

UNITS = {
    "wechat_query_rps": "req/s",
    "wechat_query_p50_ms": "ms",
    "wechat_query_p99_ms": "ms",
    "wechat_query_non2xx": "count",
    "wechat_query_bad_replies": "count",
    "wechat_query_server_cpu_ms_per_req": "ms",  # server CPU per request (robust to a busy host)
    "bare_rps": "req/s",
    "bare_p99_ms": "ms",
    "bare_server_cpu_ms_per_req": "ms",
    "wechat_to_bare_ratio": "x",
}

_CL = re.compile(rb"\r\ncontent-length:\s*(\d+)")


def _sign(*parts: str) -> str:
    from wechatpy.utils import WeChatSigner

    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


class Messages:
    """Encrypted 查询 requests, ready to write on a socket, as WeChat would post them."""

    def __init__(self, host: str, port: int, text: str) -> None:
        from wechatpy.crypto import WeChatCrypto

        self.crypto = WeChatCrypto(OA_TOKEN, OA_AES_KEY, OA_APPID)
        self.host, self.port, self.text = host, port, text
        self.msg_id = int(time.time()) * 1_000_000

    def build(self, openid: str) -> bytes:
        self.msg_id += 1
        ts, nonce = str(int(time.time())), secrets.token_hex(5)
        inner = (
            f"<xml><ToUserName><![CDATA[{OA_ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{ts}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{self.text}]]></Content>"
            f"<MsgId>{self.msg_id}</MsgId></xml>"
        )
        sealed = self.crypto.encrypt_message(inner, nonce, ts)
        found = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]>", sealed)
        assert found is not None, sealed
        encrypt = found.group(1)
        body = (f"<xml><ToUserName><![CDATA[{OA_ACCOUNT}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>").encode()
        query = urlencode({
            "signature": _sign(OA_TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce,
            "openid": openid, "encrypt_type": "aes",
            "msg_signature": _sign(OA_TOKEN, ts, nonce, encrypt),
        })
        head = (f"POST {PATH}?{query} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n")
        return head.encode() + body

    def decrypt_reply(self, body: bytes) -> str:
        text = body.decode()
        sig = re.search(r"<MsgSignature><!\[CDATA\[(.*?)\]\]>", text)
        ts = re.search(r"<TimeStamp>(\d+)</TimeStamp>", text)
        nonce = re.search(r"<Nonce><!\[CDATA\[(.*?)\]\]>", text)
        if not (sig and ts and nonce):
            raise RuntimeError(f"not an encrypted reply: {text[:200]}")
        return str(self.crypto.decrypt_message(text, sig.group(1), ts.group(1), nonce.group(1)))


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    non2xx: int = 0
    bad_replies: int = 0
    socket_errors: int = 0
    exhausted: int = 0
    samples: list[bytes] = field(default_factory=list)
    duration_s: float = 0.0

    def pct(self, p: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(p / 100 * len(data)))] * 1000 if data else 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.duration_s if self.duration_s else 0.0


async def _connection(host: str, port: int, requests: Iterable[bytes], deadline: float,
                      load: Load, expect: bytes | None) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for request in requests:
            if time.perf_counter() >= deadline:
                return
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            m = _CL.search(head.lower())
            body = await reader.readexactly(int(m.group(1))) if m else b""
            end = time.perf_counter()
            if end > deadline:
                return
            load.latencies.append(end - start)
            if not head.startswith(b"HTTP/1.1 2"):
                load.non2xx += 1
            elif expect is not None and expect not in body:
                load.bad_replies += 1
            elif expect is not None and len(load.samples) < 5:
                load.samples.append(body)
        load.exhausted += 1
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        load.socket_errors += 1
    finally:
        writer.close()


def run_load(host: str, port: int, per_connection: list[Iterable[bytes]], seconds: float,
             expect: bytes | None) -> Load:
    async def main() -> Load:
        load = Load()
        start = time.perf_counter()
        deadline = start + seconds
        await asyncio.gather(*(
            _connection(host, port, reqs, deadline, load, expect) for reqs in per_connection
        ))
        load.duration_s = min(time.perf_counter(), deadline) - start
        return load

    try:
        import uvloop

        return uvloop.run(main())
    except ImportError:  # pragma: no cover
        return asyncio.run(main())


def _cpu_s(pid: int) -> float | None:
    """CPU seconds used so far by a process (Linux), to report server CPU per request."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _cpu_ms_per_request(before: float | None, after: float | None, load: Load) -> float:
    if before is None or after is None or not load.latencies:
        return 0.0
    return round((after - before) * 1000 / len(load.latencies), 3)


def run(*, duration_s: int = DURATION_S, connections: int = CONNECTIONS) -> dict[str, float]:
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if load_avg > 0.5:
        print(f"# warning: 1-minute load average is {load_avg:.2f} before the wechat bench; "
              "other work on this machine lowers the figures", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="hotline-bench-wx-") as tmp_name:
        tmp = Path(tmp_name)
        env = _env(tmp) | {
            "HOTLINE_WECHAT_OA_TOKEN": OA_TOKEN,
            "HOTLINE_WECHAT_OA_AES_KEY": OA_AES_KEY,
            "HOTLINE_WECHAT_OA_APPID": OA_APPID,
            "HOTLINE_WECHAT_API_BASE": f"http://127.0.0.1:{_free_port()}/",  # nothing listens
        }
        _run_cli(["migrate"], env, tmp)
        _run_cli(["seed-demo"], env, tmp)
        with serve(env, tmp, tmp / "server.log") as (base, pid):
            token = citizen_token(base, env, tmp)
            status, case = _request(base, "POST", "/api/v1/cases", CASE_BODY,
                                    {"Authorization": f"Bearer {token}"})
            if status != 201:
                raise RuntimeError(f"POST /api/v1/cases answered {status}: {case}")
            parts = urlsplit(base)
            host, port = parts.hostname or "127.0.0.1", parts.port or 80
            msgs = Messages(host, port, f"查询 {case['tracking_no']} {case['query_code']}")
            openids = [f"oBench{n:04d}{secrets.token_hex(8)}" for n in range(connections)]

            def batch(seconds: int) -> list[Iterable[bytes]]:
                per = max(50, min(MAX_MESSAGES, 4000 * seconds) // connections)
                return [[msgs.build(o) for _ in range(per)] for o in openids]

            probe = msgs.build(openids[0])
            with urllib.request.urlopen(urllib.request.Request(
                base + probe.split(b" ")[1].decode(), data=probe.split(b"\r\n\r\n", 1)[1],
                method="POST"), timeout=10) as resp:
                first = msgs.decrypt_reply(resp.read())
            if "办理状态" not in first:
                raise RuntimeError(f"unexpected reply to 查询: {first}")
            bare_req = f"GET /healthz HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
            run_load(host, port, [itertools.repeat(bare_req)] * connections, WARMUP_S, None)
            cpu0 = _cpu_s(pid)
            bare = run_load(
                host, port, [itertools.repeat(bare_req)] * connections, duration_s, None
            )
            bare_cpu = _cpu_ms_per_request(cpu0, _cpu_s(pid), bare)
            run_load(host, port, batch(WARMUP_S), WARMUP_S, b"<Encrypt>")
            load_batch = batch(duration_s)
            cpu0 = _cpu_s(pid)
            wx = run_load(host, port, load_batch, duration_s, b"<Encrypt>")
            wx_cpu = _cpu_ms_per_request(cpu0, _cpu_s(pid), wx)
            for sample in wx.samples:
                body = sample.split(b"\r\n\r\n", 1)[-1]
                if "办理状态" not in msgs.decrypt_reply(body):
                    wx.bad_replies += 1
    if wx.exhausted:
        print(f"# {wx.exhausted} connections ran out of prepared messages", file=sys.stderr)
    print(f"# load generator: python, {connections} connections, {duration_s} s; "
          f"socket errors: wechat {wx.socket_errors}, bare {bare.socket_errors}", file=sys.stderr)
    results = {
        "wechat_query_rps": round(wx.rps, 1),
        "wechat_query_p50_ms": round(wx.pct(50), 2),
        "wechat_query_p99_ms": round(wx.pct(99), 2),
        "wechat_query_non2xx": float(wx.non2xx),
        "wechat_query_bad_replies": float(wx.bad_replies),
        "wechat_query_server_cpu_ms_per_req": wx_cpu,
        "bare_rps": round(bare.rps, 1),
        "bare_p99_ms": round(bare.pct(99), 2),
        "bare_server_cpu_ms_per_req": bare_cpu,
        "wechat_to_bare_ratio": round(wx.rps / bare.rps, 3) if bare.rps else 0.0,
    }
    for name, target in TARGETS.items():
        print(target_line(name, results[name], "<=", target), file=sys.stderr)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=int, default=DURATION_S)
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    args = parser.parse_args(argv)
    results: dict[str, Any] = run(duration_s=args.duration, connections=args.connections)
    for name, value in results.items():
        shown = int(value) if UNITS.get(name) == "count" else value
        print(f"{name}: {shown} {UNITS.get(name, '')}".rstrip())


if __name__ == "__main__":
    main()
