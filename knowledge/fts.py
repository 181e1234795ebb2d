"""The full-text index objects of ``kb_item`` (migration 0014), one definition per database.

Both index the same segmented text (``KbItem.title_terms`` and ``body_terms``, written by the
service) and only the published items:

* SQLite: a contentless FTS5 table ``kb_fts(title_terms, body_terms)`` (rowid = item id, the
  ``unicode61`` tokenizer, which splits on the spaces between our tokens and keeps a run of Han
  characters whole), kept in step by triggers on ``kb_item`` whatever writes the row;
* PostgreSQL: a generated column ``kb_item.tsv`` =
  ``setweight(to_tsvector('simple', title_terms), 'A') || setweight(…body_terms…, 'B')`` (NULL
  unless published) with a GIN index. ``simple`` neither stems nor drops words; the database's
  ``LC_CTYPE`` must be a UTF-8 locale (``C.UTF-8`` or ``zh_CN.UTF-8``) for the parser to keep Han
  words.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

_PUBLISHED = "'published'"

SQLITE = [
    "CREATE VIRTUAL TABLE kb_fts USING fts5(title_terms, body_terms, content='', "
    "tokenize='unicode61 remove_diacritics 0')",
    # a single trigger per change, so the old tokens leave before the new ones come in
    "CREATE TRIGGER kb_item_fts_insert AFTER INSERT ON kb_item "
    f"WHEN new.state = {_PUBLISHED} BEGIN "
    "INSERT INTO kb_fts(rowid, title_terms, body_terms) "
    "VALUES (new.id, new.title_terms, new.body_terms); END",
    "CREATE TRIGGER kb_item_fts_update AFTER UPDATE ON kb_item "
    f"WHEN old.state = {_PUBLISHED} OR new.state = {_PUBLISHED} BEGIN "
    "INSERT INTO kb_fts(kb_fts, rowid, title_terms, body_terms) "
    f"SELECT 'delete', old.id, old.title_terms, old.body_terms WHERE old.state = {_PUBLISHED}; "
    "INSERT INTO kb_fts(rowid, title_terms, body_terms) "
    f"SELECT new.id, new.title_terms, new.body_terms WHERE new.state = {_PUBLISHED}; END",
    "CREATE TRIGGER kb_item_fts_delete AFTER DELETE ON kb_item "
    f"WHEN old.state = {_PUBLISHED} BEGIN "
    "INSERT INTO kb_fts(kb_fts, rowid, title_terms, body_terms) "
    "VALUES ('delete', old.id, old.title_terms, old.body_terms); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS kb_item_fts_insert",
    "DROP TRIGGER IF EXISTS kb_item_fts_update",
    "DROP TRIGGER IF EXISTS kb_item_fts_delete",
    "DROP TABLE IF EXISTS kb_fts",
]
POSTGRES = [
    "ALTER TABLE kb_item ADD COLUMN tsv tsvector GENERATED ALWAYS AS (CASE WHEN state = "
    f"{_PUBLISHED} THEN setweight(to_tsvector('simple'::regconfig, title_terms), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body_terms), 'B') END) STORED",
    "CREATE INDEX kb_item_tsv ON kb_item USING gin (tsv)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS kb_item_tsv",
    "ALTER TABLE kb_item DROP COLUMN IF EXISTS tsv",
]


def _sqlite(conn: BaseDBAsyncClient) -> bool:
    return conn.capabilities.dialect == "sqlite"


async def install(conn: BaseDBAsyncClient) -> None:
    for sql in SQLITE if _sqlite(conn) else POSTGRES:
        await conn.execute_query(sql)


async def uninstall(conn: BaseDBAsyncClient) -> None:
    for sql in SQLITE_DROP if _sqlite(conn) else POSTGRES_DROP:
        await conn.execute_query(sql)


async def rebuild(conn: BaseDBAsyncClient) -> None:
    """Index every published item afresh (SQLite; PostgreSQL's column is always current)."""
    if _sqlite(conn):
        await conn.execute_query("INSERT INTO kb_fts(kb_fts) VALUES ('delete-all')")
        await conn.execute_query(
            "INSERT INTO kb_fts(rowid, title_terms, body_terms) SELECT id, title_terms, "
            f"body_terms FROM kb_item WHERE state = {_PUBLISHED}"
        )
