"""CPU time of benchmarked processes from Linux ``/proc``: a figure that other work on a shared
box disturbs far less than req/s (``bench/system_bench.py``).

- :func:`tree`: a process and all its descendants (``hotline serve --workers 2``: the parent and
  its worker processes);
- :func:`cpu_s`: their user + system CPU seconds, all threads;
- :func:`pg_backends`: the PostgreSQL server processes serving one database (on this host
  only: a remote server's processes are not in ``/proc``).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import urlparse, urlunparse


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (empty off Linux)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry))
    found = [pid]
    for p in found:  # grows while it is walked: breadth first
        found.extend(children.get(p, []))
    return found


def cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` (those gone count 0)."""
    ticks = 0
    for pid in pids:
        fields = _stat(pid)
        if fields:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def pg_backends(database_url: str) -> list[int]:
    """The pids of the backends connected to the database of ``database_url`` (empty when
    PostgreSQL cannot be asked, or runs elsewhere)."""
    import asyncpg

    parsed = urlparse(database_url)
    name = parsed.path.lstrip("/")
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        return []
    admin = urlunparse(parsed._replace(scheme="postgresql", path="/postgres"))

    async def ask() -> list[int]:
        conn = await asyncpg.connect(admin, timeout=5)
        try:
            rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
        finally:
            await conn.close()
        return [int(r["pid"]) for r in rows]

    try:
        return asyncio.run(ask())
    except Exception:  # noqa: BLE001 - no figure rather than no bench
        return []
