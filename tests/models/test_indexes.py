"""A database built by the migrations has every index the models declare.

A migration that rebuilds a SQLite table (an ``AlterField``) silently drops the table's
indexes; ``models.migration_ops.AlterChoices`` is how a new enum value is added without that.
"""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.connection import get_connection


async def _indexes(table: str) -> set[tuple[str, ...]]:
    conn = get_connection("default")
    if conn.capabilities.dialect == "sqlite":
        found = set()
        for ix in await conn.execute_query_dict(f"PRAGMA index_list('{table}')"):
            cols = await conn.execute_query_dict(f"PRAGMA index_info('{ix['name']}')")
            found.add(tuple(c["name"] for c in sorted(cols, key=lambda c: c["seqno"])))
        return found
    rows = await conn.execute_query_dict(
        "SELECT i.indexrelid, array_agg(a.attname ORDER BY k.ord) AS cols "
        "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
        "WHERE t.relname = $1 GROUP BY i.indexrelid",
        [table],
    )
    return {tuple(r["cols"]) for r in rows}


def _declared(model: Any) -> set[tuple[str, ...]]:
    meta = model._meta
    wanted: set[tuple[str, ...]] = set()
    for name, field in meta.fields_map.items():
        if field.pk or getattr(field, "reference", None) is not None and not field.source_field:
            continue
        if getattr(field, "index", False) or getattr(field, "unique", False):
            wanted.add((field.source_field or name,))
    for group in list(meta.indexes) + list(meta.unique_together):
        names = getattr(group, "fields", group)
        wanted.add(tuple(meta.fields_map[n].source_field or n for n in names))
    return wanted


async def test_every_declared_index_exists_after_the_migrations(app: Any) -> None:
    missing = []
    for model in Tortoise.apps["models"].values():
        table = model._meta.db_table
        have = await _indexes(table)
        for cols in _declared(model):
            if cols not in have:
                missing.append((table, cols))
    assert missing == [], missing
