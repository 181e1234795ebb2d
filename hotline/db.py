"""Database bootstrap: Tortoise config, init/close, migrations and the "behind" check."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from typing import Any, TypeVar, cast
from urllib.parse import urlparse, urlunparse

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import get_connection
from tortoise.migrations.api import migrate as migrate_api
from tortoise.migrations.executor import MigrationExecutor
from tortoise.models import Model
from tortoise.queryset import QuerySet

from hotline.settings import Settings
from models import MODEL_MODULES

M = TypeVar("M", bound=Model)

APP = "models"


def db_url(settings: Settings) -> str:
    url = settings.effective_database_url
    if url.startswith("sqlite://") and "?" not in url:
        # WAL (the client's default) with NORMAL sync: durable across process crashes,
        # one fsync per checkpoint rather than per commit.
        # Keep the WAL file between checkpoints instead of truncating it every time.
        # temp_store=MEMORY: a multi-row INSERT inside a transaction keeps a statement journal
        # (to undo just that statement); past 64 KiB SQLite spills it to a temp file that it
        # creates, writes and unlinks every time: a batch of cases did so on every commit.
        # (Temporary tables, sorts and index builds in migrations stay in memory too: a site
        # large enough for those not to fit runs on PostgreSQL.)
        # secure_delete=ON: freed pages and deleted cells are zeroed, so personal data erased
        # by DELETE /me (privacy.erasure) leaves no bytes behind in the file.
        pragmas = "synchronous=NORMAL&busy_timeout=10000&journal_size_limit=67108864"
        url += f"?{pragmas}&temp_store=MEMORY&secure_delete=ON"
    return url


def connection_config(settings: Settings) -> str | dict[str, Any]:
    """The default connection: the URL, or on PostgreSQL (asyncpg) its expanded form. asyncpg's
    pool keeps its own reset on release (``RESET ALL``, ``UNLISTEN *`` …): skipping it saved a
    round trip per statement but left ``make fault`` answering 500s while PostgreSQL restarted
    (2026-12-02). Those 500s were asyncpg refusing a connection the server had just ended
    (``app_api.errors._connection_ended``, now a 503), and came with the reset as well; the
    reset stays until ``make fault`` has been run without it again."""
    url = db_url(settings)
    if url.startswith("sqlite://"):
        return url
    config = expand_db_url(url)
    return config


def tortoise_config(settings: Settings) -> dict[str, Any]:
    return {
        "connections": {"default": connection_config(settings)},
        "apps": {
            APP: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# Raw SQL: the one rule for positional parameters. Write ``?`` (or ask for ``n`` markers);
# SQLite takes ``?``, PostgreSQL (asyncpg) ``$1, $2, …``.


def dialect_placeholders(dialect: str, n: int) -> list[str]:
    """``n`` positional parameter markers for a dialect name (for SQL built once and kept)."""
    if dialect == "sqlite":
        return ["?"] * n
    return [f"${i}" for i in range(1, n + 1)]


def placeholders(conn: BaseDBAsyncClient, n: int) -> list[str]:
    """``n`` positional parameter markers for raw SQL on ``conn``: ``?`` on SQLite, ``$1…`` else."""
    return dialect_placeholders(conn.capabilities.dialect, n)


def dialect_sql(conn: BaseDBAsyncClient, sql: str) -> str:
    """Raw SQL written with ``?`` markers, made right for ``conn`` (``$1, $2, …`` on PostgreSQL).

    Every ``?`` is a marker: keep literal question marks out of the SQL text (pass them as
    parameters).
    """
    parts = sql.split("?")
    if len(parts) == 1 or conn.capabilities.dialect == "sqlite":
        return sql
    marks = dialect_placeholders(conn.capabilities.dialect, len(parts) - 1)
    return "".join(p + m for p, m in zip(parts, marks, strict=False)) + parts[-1]


def locking(conn: BaseDBAsyncClient, model: type[M], **filters: Any) -> QuerySet[M]:
    """The matching rows, to be locked FOR UPDATE until ``conn``'s transaction ends.

    SQLite has no row locks; there a write transaction already excludes every other writer.
    """
    query = model.filter(**filters)
    if conn.capabilities.dialect != "sqlite":
        query = query.select_for_update()
    return query.using_db(conn)


async def lock_first(conn: BaseDBAsyncClient, model: type[M], **filters: Any) -> M | None:
    """The first matching row, locked until ``conn``'s transaction ends (:func:`locking`)."""
    return await locking(conn, model, **filters).first()


async def flat_values(query: QuerySet[Any], field: str) -> list[Any]:
    """``await query.values_list(field, flat=True)``, typed as the flat list it is.

    (Tortoise 1.1 types every ``values_list`` as a list of tuples.)
    """
    return cast(list[Any], await query.values_list(field, flat=True))


def is_sqlite() -> bool:
    return get_connection("default").capabilities.dialect == "sqlite"


async def init_db(settings: Settings) -> None:
    if settings.effective_database_url.startswith("sqlite://"):
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close_db() -> None:
    from hotline import pgread, sqlread  # they build on this module

    sqlread.close_readers()
    await pgread.close_all()
    await Tortoise.close_connections()


async def migrate(settings: Settings) -> None:
    if settings.effective_database_url.startswith("sqlite://"):
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    await migrate_api(config=tortoise_config(settings))


async def pending_migrations() -> list[str]:
    """Names of migrations on disk that the connected database has not applied."""
    config = tortoise_config_from_current()
    executor = MigrationExecutor(get_connection("default"), config)
    plan = await executor.plan(None)
    return [f"{s.migration.app_label}.{s.migration.name}" for s in plan if not s.backward]


class MigrationsBehind(RuntimeError):
    pass


async def check_schema() -> None:
    """Refuse to run on a database whose migrations are behind the code."""
    try:
        pending = await pending_migrations()
    except Exception as exc:  # no migration table yet, or unreachable
        raise MigrationsBehind(
            f"the database is not migrated ({type(exc).__name__}): run `hotline migrate`"
        ) from exc
    if pending:
        raise MigrationsBehind(
            f"the database is missing migrations {', '.join(pending)}: run `hotline migrate`"
        )


def tortoise_config_from_current() -> dict[str, Any]:
    return {
        APP: {
            "models": MODEL_MODULES,
            "default_connection": "default",
            "migrations": "models.migrations",
        }
    }


def _cli_config() -> dict[str, Any]:
    from hotline.settings import Settings

    return tortoise_config(Settings(database_url="sqlite://:memory:"))


# For `tortoise -c hotline.db.TORTOISE_ORM makemigrations` (developer use).
TORTOISE_ORM = _cli_config()


@contextlib.asynccontextmanager
async def scratch_database(base_url: str, prefix: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database on the server of ``base_url``, dropped afterwards.

    For the test suite and the benchmarks; yields its ``postgres://`` URL.
    """
    import asyncpg

    name = f"{prefix}_{secrets.token_hex(4)}"
    parsed = urlparse(base_url)
    admin = urlunparse(parsed._replace(scheme="postgresql", path="/postgres"))
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield urlunparse(parsed._replace(scheme="postgres", path=f"/{name}"))
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
