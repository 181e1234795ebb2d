"""PostgreSQL helpers of the read benchmark: the scratch database (kept between runs with
BENCH_READS_DIR) and CPU read from /proc for a server's processes and the database's backends.

PostgreSQL's backends share the machine's cores with the server, so a read costs the box its
server CPU plus its backend CPU; ``/healthz`` costs the database nothing. Both are reported.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import asyncpg

STATE = "pg-reads-state.json"


def _admin_dsn(url: str) -> str:
    return urlunparse(urlparse(url)._replace(scheme="postgresql", path="/postgres"))


def scratch(url: str, *, create: bool) -> str:
    """A new scratch database on the server of ``url`` (its URL), or drop the one ``url`` names."""
    parsed = urlparse(url)
    name = f"hotline_bench_reads_{secrets.token_hex(4)}" if create else parsed.path.strip("/")

    async def go() -> None:
        conn = await asyncpg.connect(_admin_dsn(url))
        try:
            if create:
                await conn.execute(f'CREATE DATABASE "{name}"')
            else:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(go())
    return urlunparse(parsed._replace(scheme="postgres", path=f"/{name}"))


def kept(state_dir: Path | None, base_url: str, cases: int) -> tuple[str, Any | None]:
    """The database to load (a new one), or with BENCH_READS_DIR the one loaded before with the
    same number of cases and what its setup returned."""
    state = state_dir / STATE if state_dir else None
    if state is not None and state.exists():
        saved = json.loads(state.read_text())
        if saved.get("cases") == cases and _exists(saved["url"]):
            return saved["url"], saved["setup"]
    return scratch(base_url, create=True), None


def keep(state_dir: Path | None, url: str, cases: int, setup: Any) -> bool:
    """Remember a loaded database in BENCH_READS_DIR (True), or say it is to be dropped."""
    if state_dir is None:
        return False
    (state_dir / STATE).write_text(json.dumps({"url": url, "cases": cases, "setup": setup}))
    return True


def _exists(url: str) -> bool:
    name = urlparse(url).path.strip("/")

    async def go() -> bool:
        conn = await asyncpg.connect(_admin_dsn(url))
        try:
            return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
        finally:
            await conn.close()

    return asyncio.run(go())


def _proc_cpu_s(pid: str) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pids() -> list[str]:
    return [p for p in os.listdir("/proc") if p.isdigit()]


def tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children (``--workers N``)."""
    total = _proc_cpu_s(str(pid))
    for p in _pids():
        try:
            parent = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        if parent == str(pid):
            total += _proc_cpu_s(p)
    return total


def backend_cpu_s(url: str) -> float:
    """CPU seconds of the PostgreSQL backends connected to the database of ``url`` (found by
    their process titles, ``postgres: USER DATABASE HOST(PORT) STATE``)."""
    name = f" {urlparse(url).path.strip('/')} "
    total = 0.0
    for p in _pids():
        try:
            title = Path(f"/proc/{p}/cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres: ") and name.encode() in title:
            total += _proc_cpu_s(p)
    return total
