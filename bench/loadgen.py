"""Load generators for the HTTP benches: wrk when installed, else a Python keep-alive generator.

Both take the same inputs (method, URL, headers, body, connections, duration) and return a
``LoadResult``. Only loopback targets are accepted.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class LoadResult:
    tool: str
    requests: int  # completed responses
    duration_s: float
    non2xx: int
    socket_errors: int  # connect/read/write/timeout errors
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0


def _check_target(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http" or host not in LOOPBACK:
        raise ValueError(f"benches only target loopback over http, not {url!r}")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return host, parts.port or 80, path


# ---------------------------------------------------------------------------------------- wrk

_LUA = r"""
wrk.method = %(method)s
%(body)s
%(headers)s

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT {\"requests\": %%d, \"duration_us\": %%d, \"non2xx\": %%d, " ..
    "\"socket_errors\": %%d, \"p50_us\": %%d, \"p99_us\": %%d}\n",
    summary.requests, summary.duration, bad,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50.0), latency:percentile(99.0)))
end
"""


def _lua_long_string(text: str) -> str:
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]"


def wrk_script(method: str, headers: dict[str, str], body: bytes | None) -> str:
    body_lua = f"wrk.body = {_lua_long_string(body.decode())}" if body else ""
    header_lua = "\n".join(
        f"wrk.headers[ {_lua_long_string(k)} ] = {_lua_long_string(v)}" for k, v in headers.items()
    )
    return _LUA % {"method": _lua_long_string(method), "body": body_lua, "headers": header_lua}


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    connections: int = 32,
    duration_s: int = 10,
    threads: int = 2,
) -> LoadResult:
    _check_target(url)
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script = Path(tmp) / "load.lua"
        script.write_text(wrk_script(method, headers or {}, body), encoding="utf-8")
        cmd = [
            "wrk",
            f"-t{min(threads, connections)}",
            f"-c{connections}",
            f"-d{duration_s}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            url,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + 60)
    match = re.search(r"^BENCH_RESULT (\{.*\})$", proc.stdout, re.M)
    if proc.returncode != 0 or match is None or "load.lua:" in proc.stderr:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stdout}\n{proc.stderr}")
    data = json.loads(match.group(1))
    return LoadResult(
        tool="wrk",
        requests=data["requests"],
        duration_s=data["duration_us"] / 1e6,
        non2xx=data["non2xx"],
        socket_errors=data["socket_errors"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )


# ------------------------------------------------------------------------------ Python fallback


async def _one_connection(
    host: str,
    port: int,
    request: bytes,
    deadline: float,
    latencies: list[float],
    counters: dict[str, int],
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.perf_counter() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            assert reader is not None
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            lower = head.lower()
            m = re.search(rb"\r\ncontent-length:\s*(\d+)", lower)
            if m:
                await reader.readexactly(int(m.group(1)))
            elif b"transfer-encoding: chunked" in lower:
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            end = time.perf_counter()
            if end <= deadline:
                latencies.append(end - start)
                if not 200 <= status <= 299:
                    counters["non2xx"] += 1
            if b"\r\nconnection: close" in lower:
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            counters["socket_errors"] += 1
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


async def _python_load(
    host: str, port: int, request: bytes, connections: int, duration_s: float
) -> LoadResult:
    latencies: list[float] = []
    counters = {"non2xx": 0, "socket_errors": 0}
    start = time.perf_counter()
    deadline = start + duration_s
    await asyncio.gather(
        *(
            _one_connection(host, port, request, deadline, latencies, counters)
            for _ in range(connections)
        )
    )
    elapsed = min(time.perf_counter(), deadline) - start
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    return LoadResult(
        tool="python",
        requests=len(latencies),
        duration_s=elapsed,
        non2xx=counters["non2xx"],
        socket_errors=counters["socket_errors"],
        p50_ms=pct(50),
        p99_ms=pct(99),
    )


def run_python(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    connections: int = 32,
    duration_s: int = 10,
) -> LoadResult:
    """Keep-alive HTTP/1.1 load from this process (competes with the server for CPU)."""
    host, port, path = _check_target(url)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
    try:
        import uvloop

        runner: Callable[[Coroutine[Any, Any, LoadResult]], LoadResult] = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    return runner(_python_load(host, port, request, connections, duration_s))


def run_load(url: str, *, prefer: str = "auto", **kwargs: Any) -> LoadResult:
    """wrk when installed (and not overridden by ``prefer="python"``), else the Python generator."""
    if prefer == "wrk" or (prefer == "auto" and have_wrk()):
        return run_wrk(url, **kwargs)
    return run_python(url, **kwargs)
