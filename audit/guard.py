"""The database refuses to change or remove an audit entry.

Triggers on ``audit_entry`` (migration 0011) abort every UPDATE and every DELETE, whoever sends
it, so neither the product nor a stray script edits the log; the hash chain
(``audit.queries.verify``) catches whoever goes around them with the rights to drop a trigger.

The one maintenance path is :func:`wipe`: the whole log at once, with the chain's head reset,
for a scratch or test database (PostgreSQL: ``TRUNCATE``, which row triggers do not see;
SQLite, which has no TRUNCATE: the delete trigger is dropped, the table emptied and the trigger
put back, in one transaction). It is not reachable from the API or the CLI.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

REFUSAL = "audit_entry is append-only"

SQLITE_TRIGGERS = {
    "audit_entry_no_update": (
        "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    ),
    "audit_entry_no_delete": (
        "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    ),
}
POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
)
POSTGRES_TRIGGER = (
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
)


def _sqlite(conn: BaseDBAsyncClient) -> bool:
    return conn.capabilities.dialect == "sqlite"


async def install(conn: BaseDBAsyncClient) -> None:
    """Create the triggers (the migration; and a test that took one away puts it back)."""
    if _sqlite(conn):
        for sql in SQLITE_TRIGGERS.values():
            await conn.execute_query(sql)
    else:
        await conn.execute_query(POSTGRES_FUNCTION)
        await conn.execute_query(POSTGRES_TRIGGER)


async def uninstall(conn: BaseDBAsyncClient) -> None:
    if _sqlite(conn):
        for name in SQLITE_TRIGGERS:
            await conn.execute_query(f"DROP TRIGGER IF EXISTS {name}")
    else:
        await conn.execute_query("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
        await conn.execute_query("DROP FUNCTION IF EXISTS audit_entry_append_only()")


async def wipe() -> None:
    """Empty the whole log and reset its head (scratch and test databases only)."""
    async with in_transaction() as conn:
        if _sqlite(conn):
            await conn.execute_query("DROP TRIGGER IF EXISTS audit_entry_no_delete")
            await conn.execute_query("DELETE FROM audit_entry")
            await conn.execute_query(SQLITE_TRIGGERS["audit_entry_no_delete"])
        else:
            await conn.execute_query("TRUNCATE audit_entry")
        await conn.execute_query("UPDATE audit_head SET count = 0, last_hash = NULL")
