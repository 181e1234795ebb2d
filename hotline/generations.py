"""Cross-process invalidation of cached reference data: one generation counter per name.

Reference data (categories, regions, the root unit: ``"reference"``; the working calendar:
``"calendar"``) is read on every request and changes rarely, so each process keeps a copy
(:class:`Cached`). An administrator's change must reach every process (API replicas,
``hotline worker``) at once, without a restart, and reading the copy must stay nearly free: no
database round trip per read.

Writing. A writer raises the name's counter in its own transaction, after the rows it changes
(:func:`bump`: ``INSERT … ON CONFLICT DO UPDATE SET value = value + 1`` on table
``cache_generation``), and after the commit calls :func:`published`, which drops the copies of
its own process at once. Never call them inside an outer transaction: "after the commit" must
be the real commit.

Other processes learn of it in one of two ways, by database:

* PostgreSQL: :func:`bump` also sends ``pg_notify('hotline_cache', 'name:value')`` in the
  transaction, which the server delivers at commit (never for a rollback). Every serving
  process runs :func:`listen_forever` (started by the app's lifespan and by ``hotline
  worker``) on a dedicated asyncpg connection; a notification raises the process's local
  epoch of that name. On every (re)connect every name is raised (a notification may have been
  missed), and while the listener is down the copies are bypassed (every read loads), so a
  lost connection never means a stale copy. A process without a listener (the CLI, the test
  harness) relies on its own writes and the safety TTL.
* SQLite (one host): :func:`published` rewrites a small sidecar file per name in
  ``settings.var_dir`` (``cache-generation-<name>``, replaced atomically, so inode, mtime and
  content change). A reader compares the file's ``os.stat`` (inode, mtime, size) with the one
  it saw when it loaded its copy: one cheap system call per read.

A reader takes the stamp *before* loading, and a writer announces only *after* its commit, so
a copy is never stored under a stamp newer than its data. Every copy also expires after
:data:`SAFETY_TTL_S` (a writer that died between its commit and its announcement, a missed
file). The counters in the table make the order of changes visible and give the
notifications their value.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Hashable
from pathlib import Path
from typing import Generic, TypeVar
from urllib.parse import urlparse, urlunparse

from tortoise.backends.base.client import BaseDBAsyncClient

from hotline import settings as settings_mod
from hotline.db import dialect_sql
from hotline.settings import Settings

REFERENCE = "reference"  # categories, regions, the root unit (routing rules are read live)
CALENDAR = "calendar"  # the working calendar
PUBLICATION = "publication"  # what is published (publishing.service): cached public replies
KNOWLEDGE = "knowledge"  # the knowledge base's items and synonyms (knowledge.lexicon's copies)
NAMES = (REFERENCE, CALENDAR, PUBLICATION, KNOWLEDGE)
CHANNEL = "hotline_cache"
SAFETY_TTL_S = 60.0
PING_S = 30.0  # the listener checks its connection this often
RETRY_S = 1.0

log = logging.getLogger("hotline.generations")
T = TypeVar("T")

_local: dict[str, int] = dict.fromkeys(NAMES, 0)
_bound: Settings | None = None
_sqlite = True
_var_dir = Path("var")
# PostgreSQL listener: expected (started in this process) and connected
_listening = False
_connected = False


_sidecars: dict[str, str] = {}  # name → its sidecar's path as text (stat on every stamp)


def _bind() -> None:
    global _bound, _sqlite, _var_dir
    s = settings_mod.current()
    if s is not _bound:
        _bound, _sqlite, _var_dir = s, s.effective_database_url.startswith("sqlite"), s.var_dir
        _sidecars.clear()


def sidecar(name: str) -> Path:
    _bind()
    return _var_dir / f"cache-generation-{name}"


def stamp(name: str) -> Hashable:
    """What a copy of ``name`` is valid for: equal stamps mean no change was announced."""
    if settings_mod._current is not _bound:
        _bind()
    if _sqlite:
        path = _sidecars.get(name)
        if path is None:
            path = _sidecars[name] = str(_var_dir / f"cache-generation-{name}")
        try:
            st = os.stat(path)
        except OSError:
            return (_local[name], None)
        return (_local[name], st.st_ino, st.st_mtime_ns, st.st_size)
    if _listening and not _connected:
        return object()  # the listener is down: no copy is trusted
    return _local[name]


def drop_local(*names: str) -> None:
    """Make this process's copies of ``names`` (default: all) stale."""
    for name in names or NAMES:
        _local[name] = _local.get(name, 0) + 1


_UPSERT = (
    "INSERT INTO cache_generation (name, value) VALUES (?, 1) "
    "ON CONFLICT (name) DO UPDATE SET value = cache_generation.value + 1 RETURNING value"
)


async def bump(conn: BaseDBAsyncClient, *names: str) -> dict[str, int]:
    """Raise the counters of ``names`` inside ``conn``'s transaction (PostgreSQL: and notify
    at commit); returns the new values. Call :func:`published` after the commit."""
    values: dict[str, int] = {}
    for name in names:
        rows = await conn.execute_query_dict(dialect_sql(conn, _UPSERT), [name])
        values[name] = int(rows[0]["value"])
        if conn.capabilities.dialect != "sqlite":
            await conn.execute_query(
                dialect_sql(conn, "SELECT pg_notify(?, ?)"), [CHANNEL, f"{name}:{values[name]}"]
            )
    return values


def published(*names: str) -> None:
    """After the commit that raised ``names``: drop this process's copies at once and, on
    SQLite, rewrite the sidecar files the other processes watch."""
    drop_local(*names)
    _bind()
    if not _sqlite:
        return
    for name in names:
        path = sidecar(name)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(f"{_local[name]} {os.getpid()} {time.time_ns()}\n")
            os.replace(tmp, path)
        except OSError:  # the other processes fall back on the safety TTL
            log.exception("could not announce a change of %s in %s", name, path)


class Cached(Generic[T]):
    """A value loaded from the database and kept while the generation of ``name`` holds
    (and at most ``ttl`` seconds)."""

    def __init__(self, name: str, load: Callable[[], Awaitable[T]],
                 ttl: float = SAFETY_TTL_S) -> None:
        self.name, self.load, self.ttl = name, load, ttl
        self._hit: tuple[Hashable, float, T] | None = None

    async def get(self) -> T:
        seen = stamp(self.name)
        hit = self._hit
        now = time.monotonic()
        if hit is not None and hit[0] == seen and now - hit[1] < self.ttl:
            return hit[2]
        value = await self.load()
        self._hit = (seen, now, value)
        return value

    def clear(self) -> None:
        self._hit = None


# -- the PostgreSQL listener -----------------------------------------------------------------
def _on_notify(_conn: object, _pid: int, _channel: str, payload: str) -> None:
    name = payload.partition(":")[0]
    if name in _local:
        drop_local(name)
    else:
        drop_local()


def _setter(event: asyncio.Event) -> Callable[[object], None]:
    return lambda _conn: event.set()


def _dsn(url: str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(scheme="postgresql", query=""))


async def listen_forever(settings: Settings) -> None:
    """Follow the changes announced by other processes (PostgreSQL; returns at once on
    SQLite, where readers watch the sidecar files). Run it as a task; cancel it to stop."""
    global _listening, _connected
    if settings.effective_database_url.startswith("sqlite"):
        return
    import asyncpg

    _listening = True
    try:
        while True:
            conn = None
            try:
                conn = await asyncpg.connect(_dsn(settings.effective_database_url))
                closed = asyncio.Event()
                conn.add_termination_listener(_setter(closed))
                await conn.add_listener(CHANNEL, _on_notify)
                drop_local()  # whatever changed while nobody listened
                _connected = True
                while not closed.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(closed.wait(), PING_S)
                    if not closed.is_set():
                        await conn.execute("SELECT 1")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("cache listener: %s; reconnecting", exc)
            finally:
                _connected = False
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()
            await asyncio.sleep(RETRY_S)
    finally:
        _listening = _connected = False
        drop_local()


async def wait_listening(within_s: float = 5.0) -> None:
    """Until the listener is connected (tests, start-up checks)."""
    deadline = time.monotonic() + within_s
    while not _connected:
        if time.monotonic() > deadline:
            raise TimeoutError("the cache listener did not connect")
        await asyncio.sleep(0.01)
